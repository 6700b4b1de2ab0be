/** Topic selection for the analysis commands: glob patterns (`agent.*.requests*`) against the cluster's topics. */
import type { Admin } from 'kafkajs';

/** Topics of the broker itself and of the registry's storage, hidden unless asked for. */
export const isInternalTopic = (name: string): boolean => name.startsWith('__') || name.startsWith('kafkasql-');

export const isPattern = (p: string): boolean => /[*?]/.test(p);

/** `*` matches any run of characters (dots included), `?` one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The topics that `patterns` name, in the order given (each pattern's matches sorted by name). A literal name
 * that does not exist is reported in `missing`; a pattern matching nothing is not an error.
 */
export function matchTopics(patterns: readonly string[], existing: readonly string[]): { topics: string[]; missing: string[] } {
  const out: string[] = [];
  const missing: string[] = [];
  const have = new Set(existing);
  for (const p of patterns) {
    if (isPattern(p)) {
      const re = globToRegExp(p);
      for (const t of [...existing].filter((x) => re.test(x) && !isInternalTopic(x)).sort()) if (!out.includes(t)) out.push(t);
    } else if (have.has(p)) {
      if (!out.includes(p)) out.push(p);
    } else missing.push(p);
  }
  return { topics: out, missing };
}

export async function resolveTopics(admin: Admin, patterns: readonly string[]): Promise<{ topics: string[]; missing: string[] }> {
  return matchTopics(patterns, await admin.listTopics());
}

/** `agent.<name>.requests[.<lane>]` → `<name>`; undefined for other topics. */
export function agentOfTopic(topic: string): string | undefined {
  const m = /^agent\.(.+)\.requests(\.[^.]+)?$/.exec(topic);
  return m?.[1];
}

export const isReplyTopic = (topic: string): boolean => topic.startsWith('a2a.replies.');
