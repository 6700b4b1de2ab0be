/**
 * Every schemas/*.avsc must be readable by Flink's avro-confluent format (DESIGN.md, "Avro schemas: the
 * hard constraint"): no recursive types, unions only ["null", T] with default null, free-form JSON as
 * strings, timestamps as timestamp-millis. This test fails when someone adds a schema that breaks it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { AVRO_NAMESPACE, RECORD_TYPES } from '../../../src/codec/index.js';
import { renderSchemaFile } from '../../../src/codec/schema-build.js';

const DIR = new URL('../../../schemas/', import.meta.url);
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
/** Fields that carry free-form JSON (protobuf Struct / Value) and so must be JSON text. */
const JSON_FIELDS = new Set(['metadata', 'data', 'params', 'header']);
const ALLOWED_LOGICAL_TYPES = new Set(['timestamp-millis']);

/** Walks a schema JSON and returns every violation of the Flink constraints (empty = fine). */
function flinkViolations(schema: unknown): string[] {
  const problems: string[] = [];
  const defined = new Map<string, unknown>();
  const stack: string[] = [];

  const fullName = (name: string, ns: string) => (name.includes('.') ? name : ns ? `${ns}.${name}` : name);

  const walk = (t: unknown, path: string, ns: string): void => {
    if (typeof t === 'string') {
      if (PRIMITIVES.has(t)) return;
      const fn = fullName(t, ns);
      if (stack.includes(fn)) problems.push(`${path}: recursive reference to ${fn}`);
      else if (!defined.has(fn)) problems.push(`${path}: reference to undefined type ${fn}`);
      return;
    }
    if (Array.isArray(t)) {
      if (t.length !== 2 || t[0] !== 'null' || t[1] === 'null' || Array.isArray(t[1])) {
        problems.push(`${path}: union ${JSON.stringify(t)} is not ["null", T]`);
      }
      t.forEach((b, i) => walk(b, `${path}<${i}>`, ns));
      return;
    }
    if (t === null || typeof t !== 'object') {
      problems.push(`${path}: invalid schema node ${JSON.stringify(t)}`);
      return;
    }
    const o = t as Record<string, unknown>;
    if (typeof o.logicalType === 'string') {
      if (!ALLOWED_LOGICAL_TYPES.has(o.logicalType)) problems.push(`${path}: logical type ${o.logicalType} not allowed`);
      if (o.logicalType === 'timestamp-millis' && o.type !== 'long') problems.push(`${path}: timestamp-millis must be a long`);
    }
    switch (o.type) {
      case 'record':
      case 'enum':
      case 'fixed': {
        const childNs = typeof o.namespace === 'string' ? o.namespace : ns;
        const fn = fullName(String(o.name), childNs);
        if (defined.has(fn)) problems.push(`${path}: ${fn} defined twice`);
        defined.set(fn, o);
        if (o.type !== 'record') return;
        stack.push(fn);
        for (const f of o.fields as Array<Record<string, unknown>>) {
          const fp = `${path}.${String(f.name)}`;
          if (Array.isArray(f.type) && f.default !== null) problems.push(`${fp}: nullable field needs "default": null`);
          if (JSON_FIELDS.has(String(f.name)) && !(f.type === 'string' || JSON.stringify(f.type) === '["null","string"]')) {
            problems.push(`${fp}: free-form JSON must be a (nullable) string, got ${JSON.stringify(f.type)}`);
          }
          walk(f.type, fp, childNs);
        }
        stack.pop();
        return;
      }
      case 'array':
        walk(o.items, `${path}[]`, ns);
        return;
      case 'map':
        walk(o.values, `${path}{}`, ns);
        return;
      default:
        if (typeof o.type === 'string' && PRIMITIVES.has(o.type)) return;
        walk(o.type, path, ns);
    }
  };
  walk(schema, (schema as { name?: string }).name ?? '<root>', (schema as { namespace?: string }).namespace ?? '');
  return problems;
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.avsc'))
  .sort();

describe('schemas/*.avsc obey the Flink constraints', () => {
  it('there is exactly one file per top-level record type', () => {
    expect(files).toEqual([...RECORD_TYPES].map((n) => `${n}.avsc`).sort());
  });

  for (const file of files) {
    const json = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Record<string, unknown>;
    it(`${file}: parses on its own, one top-level record in ${AVRO_NAMESPACE}`, () => {
      const type = avro.Type.forSchema(json as avro.Schema);
      expect(type.typeName).toBe('record');
      expect(type.name).toBe(`${AVRO_NAMESPACE}.${file.replace(/\.avsc$/, '')}`);
    });
    it(`${file}: no recursion, unions only ["null", T] with default null, JSON as strings`, () => {
      expect(flinkViolations(json)).toEqual([]);
    });
  }

  it('the checker catches a bad union, a recursive type and a JSON field that is not a string', () => {
    const bad = {
      type: 'record',
      name: 'Bad',
      namespace: 'x',
      fields: [
        { name: 'u', type: ['string', 'null'], default: 'a' },
        { name: 'u2', type: ['null', 'string', 'int'], default: null },
        { name: 'self', type: ['null', 'Bad'], default: null },
        { name: 'metadata', type: { type: 'map', values: 'string' } },
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
      ],
    };
    const problems = flinkViolations(bad);
    expect(problems.some((p) => p.startsWith('Bad.u:') && p.includes('not ["null", T]'))).toBe(true);
    expect(problems.some((p) => p.startsWith('Bad.u2'))).toBe(true);
    expect(problems.some((p) => p.includes('recursive reference to x.Bad'))).toBe(true);
    expect(problems.some((p) => p.startsWith('Bad.metadata'))).toBe(true);
    expect(problems.some((p) => p.includes('timestamp-micros'))).toBe(true);
  });
});

describe('schemas/*.avsc are in sync with src/codec/schema-defs.ts', () => {
  for (const name of RECORD_TYPES) {
    it(`${name}.avsc is what schema-build generates (run: npx tsx src/codec/schema-build.ts)`, () => {
      expect(readFileSync(new URL(`${name}.avsc`, DIR), 'utf8')).toBe(renderSchemaFile(name));
    });
  }
});
