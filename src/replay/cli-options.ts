/** Option parsing shared by the analysis commands (kept free of commander so it stays testable). */
import { KamfError } from '../core/errors.js';
import type { RecordFilter } from './filters.js';
import { parseDuration, parsePosition } from './positions.js';
import type { WindowSpec } from './window.js';

export interface FilterFlags {
  context?: string;
  task?: string;
  agent?: string;
  skill?: string;
  state?: string;
  tenant?: string;
  method?: string;
  grep?: string;
}

export function filterFromFlags(f: FilterFlags): RecordFilter {
  if (f.grep) {
    try {
      new RegExp(f.grep);
    } catch (err) {
      throw new KamfError('CONFIG_INVALID', `--grep: ${(err as Error).message}`);
    }
  }
  return {
    ...(f.context ? { contextId: f.context } : {}),
    ...(f.task ? { taskId: f.task } : {}),
    ...(f.agent ? { agent: f.agent } : {}),
    ...(f.skill ? { skill: f.skill } : {}),
    ...(f.state ? { state: f.state } : {}),
    ...(f.tenant ? { tenant: f.tenant } : {}),
    ...(f.method ? { method: f.method } : {}),
    ...(f.grep ? { grep: f.grep } : {}),
  };
}

export function windowFromFlags(f: { from?: string; to?: string }, now = Date.now()): WindowSpec {
  return { ...(f.from ? { from: parsePosition(f.from, now) } : {}), ...(f.to ? { to: parsePosition(f.to, now) } : {}) };
}

/** `--since 15m` (a duration back from now) or a point in time → epoch millis. */
export function sinceFromFlag(since: string | undefined, now = Date.now()): number | undefined {
  if (!since) return undefined;
  const p = parsePosition(since, now);
  if (p.kind !== 'time') throw new KamfError('CONFIG_INVALID', `--since needs a duration (15m, 2h) or a time, got "${since}"`);
  return p.ms;
}

export function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new KamfError('CONFIG_INVALID', `${name} must be a positive number, got "${v}"`);
    return n;
  };
}

export const durationMs = (v: string): number => parseDuration(v);

/** `a,b` or repeated flags → a flat list of topic names / patterns. */
export const topicList = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** The record filters, as commander options (tail, replay, diff). */
export function addFilterOptions<C extends { option(flags: string, description: string): C }>(
  cmd: C,
  which: ReadonlyArray<keyof FilterFlags> = ['context', 'task', 'agent', 'skill', 'method', 'state', 'tenant', 'grep'],
): C {
  const help: Record<keyof FilterFlags, [string, string]> = {
    context: ['--context <id>', 'only records of this context id'],
    task: ['--task <id>', 'only records of this task id'],
    agent: ['--agent <name>', 'only requests to this agent (agent.<name>.requests*, or the kamf-target-agent header)'],
    skill: ['--skill <id>', 'only requests with this kamf-skill header'],
    method: ['--method <name>', 'only this A2A method (SendMessage or SEND_MESSAGE)'],
    state: ['--state <state>', 'only records carrying this task state (COMPLETED, INPUT_REQUIRED, …)'],
    tenant: ['--tenant <id>', 'only records of this tenant'],
    grep: ['--grep <regex>', 'only records whose text or ids match (case-insensitive)'],
  };
  for (const k of which) cmd = cmd.option(help[k][0], help[k][1]);
  return cmd;
}
