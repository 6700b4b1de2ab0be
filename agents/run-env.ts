/** Shared start-up of the runnable agents: config from file/env, and per-process overrides from KAMF_AGENT_*. */
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { runToolAgent } from '../src/agent-kit/index.js';
import { jsonLogLine, loadConfig } from '../src/core/index.js';
import { serveAgent, stopOnSignals, type ServeAgentOptions, type RunningAgent } from '../src/binding/index.js';

export async function runAgentFromEnv(defaults: Pick<ServeAgentOptions, 'name' | 'description' | 'skills'>, executor: AgentExecutor): Promise<RunningAgent> {
  const env = process.env;
  const agent = await serveAgent({
    config: loadConfig(),
    ...defaults,
    name: env.KAMF_AGENT_NAME ?? defaults.name,
    executor,
    ...(env.KAMF_AGENT_CONCURRENCY ? { concurrency: Number(env.KAMF_AGENT_CONCURRENCY) } : {}),
    ...(env.KAMF_AGENT_INSTANCE ? { instanceId: env.KAMF_AGENT_INSTANCE } : {}),
    topics: {
      ...(env.KAMF_TASKS_TOPIC ? { tasks: env.KAMF_TASKS_TOPIC } : {}),
      ...(env.KAMF_DLQ_TOPIC ? { dlq: env.KAMF_DLQ_TOPIC } : {}),
      ...(env.KAMF_REGISTRY_TOPIC ? { registry: env.KAMF_REGISTRY_TOPIC } : {}),
    },
  });
  stopOnSignals(() => agent.stop());
  announce(agent);
  return agent;
}

/** A runnable agent's start-up line: readable, or one JSON object under KAMF_LOG_FORMAT=json (tests wait for it). */
export function announce(agent: { name: string; server: { instanceId: string; requestTopics: string[] } }, extra = ''): void {
  const line = `agent ${agent.name} (instance ${agent.server.instanceId}) serving ${agent.server.requestTopics.join(', ')}${extra}`;
  process.stderr.write(jsonLogLine('kamf agent', line) ?? `${line}\n`);
}

/** `main` of an agent whose skills come from the MCP servers in its config.json (next to the calling module). */
export async function runToolAgentFromEnv(configFile: string): Promise<void> {
  const agent = await runToolAgent({
    config: loadConfig(),
    agent: process.env.KAMF_AGENT_CONFIG ?? configFile,
    ...(process.env.KAMF_AGENT_NAME ? { name: process.env.KAMF_AGENT_NAME } : {}),
  });
  stopOnSignals(() => agent.stop());
  announce(agent, `; skills: ${agent.card.skills.map((s) => s.id).join(', ')}`);
}
