/**
 * Loads `schemas/*.avsc` (the wire's source of truth) and parses each with avsc once.
 * avsc runs without logical-type implementations: `timestamp-millis` values are plain numbers (epoch ms).
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { KamfError } from '../core/errors.js';
import { AVRO_NAMESPACE, RECORD_TYPES, isRecordTypeName, type RecordTypeName } from './schema-defs.js';
import { schemasDir } from './schema-files.js';

export interface LoadedSchema {
  name: RecordTypeName;
  /** `dev.kamf.a2a.v1.<name>` */
  fullName: string;
  /** The parsed JSON of the file. */
  json: Record<string, unknown>;
  /** Compact JSON text: the exact string sent to the registry (stable, so lookups by content hit). */
  text: string;
  type: Type;
}

let loaded: Map<RecordTypeName, LoadedSchema> | undefined;

function loadOne(name: RecordTypeName): LoadedSchema {
  const file = new URL(`${name}.avsc`, schemasDir());
  let json: Record<string, unknown>;
  let type: Type;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    type = avro.Type.forSchema(json as Schema);
  } catch (err) {
    throw new KamfError('SCHEMA_INVALID', `schemas/${name}.avsc does not parse: ${(err as Error).message}`, {
      cause: err,
      details: { file: file.pathname },
    });
  }
  const fullName = `${AVRO_NAMESPACE}.${name}`;
  if (type.name !== fullName) {
    throw new KamfError('SCHEMA_INVALID', `schemas/${name}.avsc defines ${String(type.name)}, expected ${fullName}`);
  }
  return { name, fullName, json, text: JSON.stringify(json), type };
}

/** All top-level schemas, parsed once per process. */
export function loadSchemas(): ReadonlyMap<RecordTypeName, LoadedSchema> {
  if (!loaded) {
    const m = new Map<RecordTypeName, LoadedSchema>();
    for (const name of RECORD_TYPES) m.set(name, loadOne(name));
    loaded = m;
  }
  return loaded;
}

export function getSchema(name: RecordTypeName): LoadedSchema {
  const s = loadSchemas().get(name);
  if (!s) throw new KamfError('SCHEMA_INVALID', `unknown record type ${name}`);
  return s;
}

/** The avsc type of a top-level record. */
export function getRecordType(name: RecordTypeName): Type {
  return getSchema(name).type;
}

/** `dev.kamf.a2a.v1.Task` → `Task`; undefined for a record that is not one of ours. */
export function recordTypeNameOf(fullName: string | undefined): RecordTypeName | undefined {
  if (!fullName) return undefined;
  const prefix = `${AVRO_NAMESPACE}.`;
  if (!fullName.startsWith(prefix)) return undefined;
  const short = fullName.slice(prefix.length);
  return isRecordTypeName(short) ? short : undefined;
}
