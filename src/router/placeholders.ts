/**
 * `${NAME}` and `${NAME:-default}` placeholders in routing SQL, so one file runs against any cluster.
 *
 * Placeholders belong inside string literals (topic names, option values). The embedded engine parses the file
 * with the placeholders still in place (so error positions are the file's own) and substitutes them in literal
 * values; the Flink engine substitutes them in the text before Flink sees it, doubling single quotes in values.
 */
import { KamfError } from '../core/errors.js';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Vars = Readonly<Record<string, string | undefined>>;

export interface PlaceholderUse {
  name: string;
  default?: string;
  line: number;
  column: number;
}

/** Every placeholder in `text`, with its position (1-based line, 0-based column, like the parser's). */
export function findPlaceholders(text: string): PlaceholderUse[] {
  const out: PlaceholderUse[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const before = text.slice(0, m.index);
    const line = before.split('\n').length;
    const column = m.index - (before.lastIndexOf('\n') + 1);
    out.push({ name: m[1]!, ...(m[2] !== undefined ? { default: m[2] } : {}), line, column });
  }
  return out;
}

/** Resolves every placeholder of `text` or throws one error listing all that have neither a value nor a default. */
export function resolvePlaceholders(text: string, vars: Vars, file = 'routing SQL'): Record<string, string> {
  const values: Record<string, string> = {};
  const missing: PlaceholderUse[] = [];
  for (const use of findPlaceholders(text)) {
    const value = vars[use.name] ?? use.default;
    if (value === undefined) missing.push(use);
    else values[use.name] = value;
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `  \${${m.name}} at ${file}:${m.line}:${m.column + 1}`).join('\n');
    throw new KamfError(
      'ROUTER_PLACEHOLDER_MISSING',
      `No value for ${missing.length === 1 ? 'a placeholder' : 'placeholders'} in ${file}:\n${list}\n` +
        'Set them in the environment (or with --set NAME=value), or give a default: ${NAME:-default}.',
      { details: { missing: missing.map((m) => m.name) } },
    );
  }
  return values;
}

/** Replaces placeholders in a literal's value (already unquoted). */
export function substitute(value: string, values: Readonly<Record<string, string>>): string {
  return value.replace(PLACEHOLDER, (_, name: string, def: string | undefined) => values[name] ?? def ?? '');
}

/** Replaces placeholders in SQL text for Flink: values go into string literals, so single quotes are doubled. */
export function substituteSql(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_, name: string, def: string | undefined) => (values[name] ?? def ?? '').replaceAll("'", "''"));
}
