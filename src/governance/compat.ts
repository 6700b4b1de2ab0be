/**
 * Explains Avro schema compatibility in plain words: which field, which rule.
 * avsc's resolver is the oracle (can this reader read that writer?); the walk below names the reason.
 */
import avro from 'avsc';

export type Rule = 'BACKWARD' | 'FORWARD' | 'FULL';

export interface Incompatibility {
  path: string;
  rule: Exclude<Rule, 'FULL'>;
  reason: string;
}

type Schema = string | { type: string; [k: string]: unknown } | Schema[];

const PROMOTIONS: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function typeName(s: Schema): string {
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return `union [${s.map(typeName).join(', ')}]`;
  const logical = (s as { logicalType?: string }).logicalType;
  if (logical) return `${s.type} (${logical})`;
  if (s.type === 'array') return `array<${typeName(s.items as Schema)}>`;
  if (s.type === 'map') return `map<${typeName(s.values as Schema)}>`;
  return (s as { name?: string }).name ? `${s.type} ${(s as { name?: string }).name}` : s.type;
}

function base(s: Schema): string {
  return typeof s === 'string' ? s : Array.isArray(s) ? 'union' : s.type;
}

/** Problems when `reader` reads data written with `writer`. */
function walk(reader: Schema, writer: Schema, path: string, rule: Incompatibility['rule'], out: Incompatibility[]): void {
  const readerIs = rule === 'BACKWARD' ? 'the new schema' : 'the registered schema';
  const writerIs = rule === 'BACKWARD' ? 'the registered schema' : 'the new schema';
  if (Array.isArray(writer)) {
    // every writer branch must be readable by the reader
    for (const branch of writer) {
      const target = Array.isArray(reader) ? reader.find((r) => base(r) === base(branch)) : reader;
      if (!target || (!Array.isArray(reader) && base(reader) !== base(branch) && !(PROMOTIONS[base(branch)] ?? []).includes(base(reader)))) {
        out.push({ path, rule, reason: `${writerIs} allows ${typeName(branch)} here but ${readerIs} does not accept it (it is ${typeName(reader)})` });
        return;
      }
      walk(target, branch, path, rule, out);
    }
    return;
  }
  if (Array.isArray(reader)) {
    const target = reader.find((r) => base(r) === base(writer));
    if (!target) out.push({ path, rule, reason: `type changed from ${typeName(writer)} to ${typeName(reader)}` });
    else walk(target, writer, path, rule, out);
    return;
  }
  const rb = base(reader);
  const wb = base(writer);
  if (rb !== wb) {
    if (!(PROMOTIONS[wb] ?? []).includes(rb)) out.push({ path, rule, reason: `type changed from ${typeName(writer)} to ${typeName(reader)}` });
    return;
  }
  const r = reader as Record<string, unknown>;
  const w = writer as Record<string, unknown>;
  switch (rb) {
    case 'record': {
      const wFields = (w.fields as Array<{ name: string; type: Schema; aliases?: string[] }>) ?? [];
      for (const f of (r.fields as Array<{ name: string; type: Schema; default?: unknown; aliases?: string[] }>) ?? []) {
        const names = [f.name, ...(f.aliases ?? [])];
        const wf = wFields.find((x) => names.includes(x.name));
        const p = `${path}.${f.name}`;
        if (!wf) {
          if (!('default' in f)) {
            out.push({
              path: p,
              rule,
              reason:
                rule === 'BACKWARD'
                  ? `field "${f.name}" was added without a default, so records written with the registered schema cannot be read`
                  : `field "${f.name}" was removed (or renamed), and readers still on the registered schema require it (it has no default)`,
            });
          }
          continue;
        }
        walk(f.type, wf.type, p, rule, out);
      }
      return;
    }
    case 'enum': {
      const rs = r.symbols as string[];
      if (r.default !== undefined) return;
      const missing = (w.symbols as string[]).filter((s) => !rs.includes(s));
      if (missing.length) out.push({ path, rule, reason: `enum symbols ${missing.join(', ')} of ${writerIs} are unknown to ${readerIs}, which has no default symbol` });
      return;
    }
    case 'array':
      walk(r.items as Schema, w.items as Schema, `${path}[]`, rule, out);
      return;
    case 'map':
      walk(r.values as Schema, w.values as Schema, `${path}{}`, rule, out);
      return;
    case 'fixed':
      if (r.size !== w.size) out.push({ path, rule, reason: `fixed size changed from ${w.size} to ${r.size}` });
      return;
    default:
      return;
  }
}

function canRead(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function direction(reader: object, writer: object, rule: Incompatibility['rule'], root: string): Incompatibility[] {
  const out: Incompatibility[] = [];
  walk(reader as Schema, writer as Schema, root, rule, out);
  const oracle = canRead(avro.Type.forSchema(reader as avro.Schema), avro.Type.forSchema(writer as avro.Schema));
  if (oracle && out.length === 0) out.push({ path: root, rule, reason: oracle });
  if (!oracle) return []; // the walk is stricter than Avro in corner cases; the resolver has the last word
  return out;
}

/**
 * Checks `next` against `registered`. BACKWARD: the new schema reads old data (replays, compacted topics).
 * FORWARD: old readers (agents not yet upgraded) read new data.
 */
export function checkCompatibility(next: object, registered: object, rule: Rule = 'FULL'): Incompatibility[] {
  const root = (next as { name?: string }).name ?? 'record';
  const out: Incompatibility[] = [];
  if (rule === 'BACKWARD' || rule === 'FULL') out.push(...direction(next, registered, 'BACKWARD', root));
  if (rule === 'FORWARD' || rule === 'FULL') out.push(...direction(registered, next, 'FORWARD', root));
  return out;
}

export function describe(problems: Incompatibility[]): string {
  return problems.map((p) => `  - ${p.path}: ${p.reason} [${p.rule}]`).join('\n');
}
