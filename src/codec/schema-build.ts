/**
 * Assembles the self-contained top-level schemas in `schemas/*.avsc` from the shared definitions in
 * `schema-defs.ts`: each named type is inlined at its first use (depth-first, field order) and referred
 * to by name afterwards, so a file defines every named type once and parses on its own.
 *
 * Regenerate the files after changing `schema-defs.ts`:
 *   npx tsx src/codec/schema-build.ts          # write schemas/*.avsc
 *   npx tsx src/codec/schema-build.ts --check  # exit 1 when a file differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KamfError } from '../core/errors.js';
import { AVRO_NAMESPACE, NAMED_TYPES, RECORD_TYPES, type AvroSchemaJson, type RecordTypeName } from './schema-defs.js';

/** The JSON schema of one top-level record, every nested named type inlined once. */
export function buildTopLevelSchema(name: RecordTypeName): Record<string, unknown> {
  const defined = new Set<string>();
  const inProgress = new Set<string>();

  const expand = (type: AvroSchemaJson, path: string): AvroSchemaJson => {
    if (typeof type === 'string') {
      const def = NAMED_TYPES[type];
      if (def === undefined) return type; // primitive
      if (inProgress.has(type)) {
        throw new KamfError('SCHEMA_INVALID', `recursive type ${type} at ${path}: Flink cannot read recursive Avro types`, {
          details: { path, type },
        });
      }
      if (defined.has(type)) return type;
      defined.add(type);
      inProgress.add(type);
      const out: Record<string, unknown> = { ...def };
      if (def.fields) {
        out.fields = def.fields.map((f) => ({ ...f, type: expand(f.type, `${path}.${f.name}`) }));
      }
      inProgress.delete(type);
      return out;
    }
    if (Array.isArray(type)) return type.map((t) => expand(t, path));
    const out: Record<string, unknown> = { ...type };
    if (type.type === 'array') out.items = expand(type.items as AvroSchemaJson, `${path}[]`);
    if (type.type === 'map') out.values = expand(type.values as AvroSchemaJson, `${path}{}`);
    return out;
  };

  const expanded = expand(name, name) as Record<string, unknown>;
  // namespace first for readability; nested names inherit it
  const { type, name: n, ...rest } = expanded;
  return { type, name: n, namespace: AVRO_NAMESPACE, ...rest };
}

/** The exact file text of `schemas/<name>.avsc`. */
export function renderSchemaFile(name: RecordTypeName): string {
  return `${JSON.stringify(buildTopLevelSchema(name), null, 2)}\n`;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const name of RECORD_TYPES) {
    const file = new URL(`../../schemas/${name}.avsc`, import.meta.url);
    const text = renderSchemaFile(name);
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale++;
    if (check) {
      console.error(`schemas/${name}.avsc is out of date`);
    } else {
      writeFileSync(file, text);
      console.log(`wrote schemas/${name}.avsc`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
