/** The module of each top-level command, imported only when that command runs. */
import type { Command } from 'commander';
import { SUMMARY } from './summaries.js';

export { SUMMARY };

export type CommandName = keyof typeof SUMMARY;
type Register = (program: Command) => void;

/** The module of each command; a module may register several commands (ask, chat and agents share one). */
export const LOADERS: Record<CommandName, () => Promise<Register>> = {
  start: async () => (await import('./commands/start.js')).startCommand,
  ask: async () => (await import('./commands/ask.js')).askCommands,
  chat: async () => (await import('./commands/ask.js')).askCommands,
  agents: async () => (await import('./commands/agents.js')).agentsCommand,
  infra: async () => (await import('./commands/infra.js')).infraCommand,
  schemas: async () => (await import('./commands/schemas.js')).schemasCommand,
  route: async () => (await import('./commands/route.js')).routeCommand,
  topics: async () => (await import('./commands/topics.js')).topicsCommand,
  tail: async () => (await import('./commands/tail.js')).tailCommand,
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  trace: async () => (await import('./commands/trace.js')).traceCommand,
  stats: async () => (await import('./commands/stats.js')).statsCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
  gateway: async () => (await import('./commands/gateway.js')).gatewayCommand,
  acl: async () => (await import('./commands/acl.js')).aclCommand,
  push: async () => (await import('./commands/push.js')).pushCommand,
};

export const isCommandName = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(SUMMARY, name);
