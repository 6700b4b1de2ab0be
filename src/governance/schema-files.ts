/** The *.avsc files in schemas/: the source of truth for everything KAMF puts on the wire. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import avro from 'avsc';
import { KamfError } from '../core/errors.js';
import { fileURLToPath } from 'node:url';
import { schemasDir } from '../codec/schema-files.js';

export interface SchemaFile {
  file: string;
  /** Fully qualified record name, e.g. dev.kamf.a2a.v1.Task. */
  fullName: string;
  /** Short name, equal to the file name without .avsc. */
  name: string;
  schema: { type: string; name: string; namespace?: string; [k: string]: unknown };
  text: string;
}

export function fullNameOf(schema: { name?: string; namespace?: string }): string {
  const name = schema.name ?? '';
  return name.includes('.') || !schema.namespace ? name : `${schema.namespace}.${name}`;
}

/** Every .avsc in the directory the codec loads from (KAMF_SCHEMAS_DIR overrides both alike). */
export function readSchemaFiles(dir = fileURLToPath(schemasDir())): SchemaFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      let schema: SchemaFile['schema'];
      try {
        schema = JSON.parse(text) as SchemaFile['schema'];
        avro.Type.forSchema(schema as avro.Schema);
      } catch (cause) {
        throw new KamfError('SCHEMA_INVALID', `${file} is not a valid Avro schema: ${(cause as Error).message}`, { cause });
      }
      return { file, fullName: fullNameOf(schema), name: basename(f, '.avsc'), schema, text };
    });
}
