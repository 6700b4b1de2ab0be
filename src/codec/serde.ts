/**
 * Avro serde on a Confluent-compatible registry (Apicurio under /apis/ccompat/v7 by default).
 *
 * - Encoding resolves the schema id once per (subject, record type) and caches it; every message after
 *   that is encoded with the avsc Type directly and framed here: no registry call per message.
 * - Decoding resolves the writer schema once per id (bounded by a timeout) and caches it with the
 *   avsc resolver into our reader schema when the two differ (schema evolution).
 * - Subjects are always passed explicitly (`<topic>-value`, Flink's default), never derived from the
 *   record name as @kafkajs/confluent-schema-registry would.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Resolver, Type } from 'avsc';
import { KamfError } from '../core/errors.js';
import type { RecordTypeName } from './schema-defs.js';
import { getSchema, recordTypeNameOf } from './schemas.js';
import { frameEncoded, parseFrame } from './wire.js';

/** The part of `SchemaRegistry` the serde uses (a real instance fits; tests may pass a fake). */
export type SchemaRegistryClient = Pick<SchemaRegistry, 'register' | 'getRegistryIdBySchema' | 'getSchema'>;

export interface AvroSerdeOptions {
  registry: SchemaRegistryClient;
  /** Upper bound for any single registry call, ms. Default 10 000. */
  registryTimeoutMs?: number;
  /** When `encode` meets a subject without our schema, register it (default true); otherwise fail. */
  autoRegister?: boolean;
}

export interface DecodedRecord {
  schemaId: number;
  /** Our record type, or the writer's full record name when the writer schema is not one of ours. */
  recordType: RecordTypeName | string;
  /** True when `recordType` is one of ours and `value` has the shape of our reader schema. */
  known: boolean;
  value: unknown;
}

interface WriterEntry {
  recordType: RecordTypeName | string;
  known: boolean;
  /** The type `value` is read into: our reader type when known, else the writer type. */
  reader: Type;
  resolver: Resolver | undefined;
}

const AVRO = 'AVRO' as const;

export class AvroSerde {
  private readonly registry: SchemaRegistryClient;
  private readonly timeoutMs: number;
  private readonly autoRegister: boolean;
  /** `${subject}\0${recordType}` → id, once resolved. */
  private readonly ids = new Map<string, number>();
  private readonly pendingIds = new Map<string, Promise<number>>();
  private readonly writers = new Map<number, WriterEntry>();
  private readonly pendingWriters = new Map<number, Promise<WriterEntry>>();

  constructor(options: AvroSerdeOptions) {
    this.registry = options.registry;
    this.timeoutMs = options.registryTimeoutMs ?? 10_000;
    this.autoRegister = options.autoRegister ?? true;
  }

  /**
   * Makes sure `schemas/<recordType>.avsc` is registered under `subject` and returns its id: looks the
   * schema up first and registers only when the subject does not have it yet.
   */
  async register(recordType: RecordTypeName, subject: string): Promise<number> {
    const id = (await this.lookup(recordType, subject)) ?? (await this.registerNew(recordType, subject));
    this.remember(subject, recordType, id);
    return id;
  }

  /** The id of our `recordType` schema under `subject`, resolved once and cached. */
  async schemaId(subject: string, recordType: RecordTypeName): Promise<number> {
    const key = `${subject}\u0000${recordType}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    let pending = this.pendingIds.get(key);
    if (!pending) {
      pending = (async () => {
        if (this.autoRegister) return this.register(recordType, subject);
        const id = await this.lookup(recordType, subject);
        if (id === undefined) {
          throw new KamfError('CODEC_UNKNOWN_SCHEMA', `subject ${subject} has no version of schema ${recordType} (auto-register is off)`, {
            details: { subject, recordType },
          });
        }
        this.remember(subject, recordType, id);
        return id;
      })().finally(() => this.pendingIds.delete(key));
      this.pendingIds.set(key, pending);
    }
    return pending;
  }

  /** Encodes an Avro value of `recordType` and frames it with the subject's schema id. */
  async encode(subject: string, recordType: RecordTypeName, avroValue: unknown): Promise<Buffer> {
    const key = `${subject}\u0000${recordType}`;
    const id = this.ids.get(key) ?? (await this.schemaId(subject, recordType));
    return this.encodeWithId(id, recordType, avroValue);
  }

  /**
   * `encode` of a record whose last field is already Avro-encoded: Avro writes a record as its fields in schema
   * order, so the record is its other fields (taken from `leading`) followed by `lastField`'s bytes, and the caller's
   * encoding is not done twice.
   */
  async encodeWithLastField(subject: string, recordType: RecordTypeName, leading: Record<string, unknown>, lastField: Buffer): Promise<Buffer> {
    const key = `${subject}\u0000${recordType}`;
    const id = this.ids.get(key) ?? (await this.schemaId(subject, recordType));
    return encodeFramed(id, recordType, leadingType(recordType), leading, lastField);
  }

  /** Synchronous encode when the schema id is already known (e.g. from `schemaId`). */
  encodeWithId(schemaId: number, recordType: RecordTypeName, avroValue: unknown): Buffer {
    return encodeFramedValue(schemaId, recordType, avroValue);
  }

  /** Parses the frame, resolves the writer schema (once per id) and decodes the body. */
  async decode(buf: Buffer): Promise<DecodedRecord> {
    const { schemaId, body } = parseFrame(buf);
    const entry = this.writers.get(schemaId) ?? (await this.writer(schemaId));
    return { schemaId, recordType: entry.recordType, known: entry.known, value: decodeBody(entry.reader, body, entry.resolver, schemaId) };
  }

  // ---- registry calls --------------------------------------------------------------------------------

  private remember(subject: string, recordType: RecordTypeName, id: number): void {
    this.ids.set(`${subject}\u0000${recordType}`, id);
  }

  private async lookup(recordType: RecordTypeName, subject: string): Promise<number | undefined> {
    const schema = { type: AVRO, schema: getSchema(recordType).text } as Parameters<SchemaRegistryClient['getRegistryIdBySchema']>[1];
    try {
      return await this.bounded(`look up ${recordType} under ${subject}`, this.registry.getRegistryIdBySchema(subject, schema));
    } catch (err) {
      // the library turns the registry's 404 (no subject / no such schema under it) into a bare
      // ConfluentSchemaRegistryError; every other failure keeps its own class
      if (err instanceof Error && err.name === 'ConfluentSchemaRegistryError') return undefined;
      throw registryError(`looking up ${recordType} under subject ${subject}`, err);
    }
  }

  private async registerNew(recordType: RecordTypeName, subject: string): Promise<number> {
    const schema = { type: AVRO, schema: getSchema(recordType).text } as Parameters<SchemaRegistryClient['register']>[0];
    const attempt = async (compatibility?: string): Promise<number> => {
      const opts = { subject, ...(compatibility ? { compatibility } : {}) } as Parameters<SchemaRegistryClient['register']>[1];
      const res = await this.bounded(`register ${recordType} under ${subject}`, this.registry.register(schema, opts));
      return res.id;
    };
    // The library refuses to register when the subject's compatibility level differs from the one it was given
    // (default BACKWARD); the registry enforces its own level anyway, so take that one and try again. Apicurio
    // answers NONE for a subject that does not exist yet and its global level once it does, so when several
    // processes register the same new subject at once the level changes under us: look the schema up again
    // before each retry, another process may have registered it already.
    let compatibility: string | undefined;
    for (let round = 0; ; round++) {
      try {
        return await attempt(compatibility);
      } catch (err) {
        const level =
          err instanceof Error && err.name === 'ConfluentSchemaRegistryCompatibilityError'
            ? /!= ([A-Z_]+)\)/.exec(err.message)?.[1]
            : undefined;
        // whatever went wrong (the level changed, a concurrent config write collided), someone may have won the race
        const found = await this.lookup(recordType, subject).catch(() => undefined);
        if (found !== undefined) return found;
        if (round >= 3) throw registryError(`registering ${recordType} under subject ${subject}`, err);
        if (level) compatibility = level;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 150 * (round + 1)));
      }
    }
  }

  private writer(schemaId: number): Promise<WriterEntry> {
    let pending = this.pendingWriters.get(schemaId);
    if (!pending) {
      pending = this.fetchWriter(schemaId)
        .then((entry) => {
          this.writers.set(schemaId, entry);
          return entry;
        })
        .finally(() => this.pendingWriters.delete(schemaId));
      this.pendingWriters.set(schemaId, pending);
    }
    return pending;
  }

  private async fetchWriter(schemaId: number): Promise<WriterEntry> {
    let fetched: unknown;
    try {
      fetched = await this.bounded(`fetch schema id ${schemaId}`, this.registry.getSchema(schemaId));
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (status === 404) {
        throw new KamfError('CODEC_UNKNOWN_SCHEMA', `schema id ${schemaId} is unknown to the registry`, {
          cause: err,
          details: { schemaId },
        });
      }
      throw registryError(`fetching schema id ${schemaId}`, err);
    }
    if (!avro.Type.isType(fetched)) {
      throw new KamfError('CODEC_UNKNOWN_SCHEMA', `schema id ${schemaId} is not an Avro schema`, { details: { schemaId } });
    }
    // rebuild with our avsc (the registry client may carry its own copy and options)
    const writer = avro.Type.forSchema((fetched as Type).schema({ exportAttrs: true }));
    const ours = recordTypeNameOf(writer.name);
    if (!ours) return { recordType: writer.name ?? writer.typeName, known: false, reader: writer, resolver: undefined };
    const reader = getSchema(ours).type;
    if (reader.equals(writer)) return { recordType: ours, known: true, reader, resolver: undefined };
    try {
      return { recordType: ours, known: true, reader, resolver: reader.createResolver(writer) };
    } catch (err) {
      throw new KamfError('SCHEMA_INCOMPATIBLE', `writer schema id ${schemaId} cannot be read as ${ours}: ${(err as Error).message}`, {
        cause: err,
        details: { schemaId, recordType: ours },
      });
    }
  }

  /** Races a registry call against the timeout; the loser's rejection is swallowed. */
  private bounded<T>(what: string, p: Promise<T>): Promise<T> {
    p.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KamfError('SCHEMA_REGISTRY_ERROR', `schema registry did not answer within ${this.timeoutMs} ms (${what})`, {
              details: { timeoutMs: this.timeoutMs },
            }),
          ),
        this.timeoutMs,
      );
      timer.unref?.();
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

function registryError(what: string, err: unknown): KamfError {
  if (err instanceof KamfError) return err;
  const status = (err as { status?: unknown }).status;
  if (status === 409) {
    return new KamfError('SCHEMA_INCOMPATIBLE', `${what}: the registry refused the schema as incompatible: ${(err as Error).message}`, {
      cause: err,
      details: { status },
    });
  }
  return new KamfError('SCHEMA_REGISTRY_ERROR', `${what}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
    details: status === undefined ? {} : { status },
  });
}

// ---- bodies (no registry) ------------------------------------------------------------------------------

/** Avro binary body of a `recordType` value (no framing). CODEC_ENCODE_FAILED names the offending fields. */
export function encodeBody(recordType: RecordTypeName, avroValue: unknown): Buffer {
  const type = getSchema(recordType).type;
  try {
    // a buffer of its own, not a slice of Node's shared pool: bodies are kept (the task view), and a kept slice
    // would keep its whole 8 KiB pool chunk alive
    return type.toBuffer(avroValue);
  } catch (err) {
    throw encodeFailed(recordType, type, avroValue, err);
  }
}

/** A framed `recordType` value with its schema id: what `encodeBody` and `frame` give together, with one copy. */
export function encodeFramedValue(schemaId: number, recordType: RecordTypeName, avroValue: unknown): Buffer {
  return encodeFramed(schemaId, recordType, getSchema(recordType).type, avroValue);
}

/** A framed `type` value (then `tail`), written once into the frame (`frameEncoded`); errors as `encodeBody`'s. */
function encodeFramed(schemaId: number, recordType: RecordTypeName, type: Type, value: unknown, tail?: Uint8Array): Buffer {
  try {
    return frameEncoded(schemaId, (buf, pos) => type.encode(value, buf, pos), tail);
  } catch (err) {
    throw err instanceof KamfError ? err : encodeFailed(recordType, type, value, err);
  }
}

function encodeFailed(recordType: RecordTypeName, type: Type, value: unknown, err: unknown): KamfError {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], v: unknown, t: Type) => {
      if (problems.length < 5) problems.push(`${[recordType, ...path].join('.')} (expected ${describeType(t)}, got ${describeValue(v)})`);
    },
  });
  const reason = problems.length ? problems.join('; ') : (err as Error).message;
  return new KamfError('CODEC_ENCODE_FAILED', `value does not match schema ${recordType}: ${reason}`, {
    cause: err,
    details: { recordType, paths: problems },
  });
}

/** A record type of the same fields but the last, made once per record type: one encode call for all of them. */
const leadingTypes = new Map<RecordTypeName, Type>();
function leadingType(recordType: RecordTypeName): Type {
  let t = leadingTypes.get(recordType);
  if (!t) {
    const fields = (getSchema(recordType).type as avro.types.RecordType).fields.slice(0, -1);
    t = avro.Type.forSchema({ type: 'record', name: `${recordType}Leading`, fields: fields.map((f) => ({ name: f.name, type: f.type.schema() })) } as avro.Schema);
    leadingTypes.set(recordType, t);
  }
  return t;
}

/** Decodes a whole body: trailing bytes, truncation and garbage give CODEC_DECODE_FAILED. */
export function decodeBody(type: Type, body: Buffer, resolver?: Resolver, schemaId?: number): unknown {
  let res: { value: unknown; offset: number };
  try {
    res = type.decode(body, 0, resolver);
  } catch (err) {
    throw decodeError(type, body, `corrupt body: ${(err as Error).message}`, err, schemaId);
  }
  if (res.offset < 0) throw decodeError(type, body, 'truncated body: the value ends past the end of the buffer', undefined, schemaId);
  if (res.offset !== body.length) {
    throw decodeError(type, body, `${body.length - res.offset} trailing byte(s) after the value`, undefined, schemaId);
  }
  return res.value;
}

function decodeError(type: Type, body: Buffer, reason: string, cause: unknown, schemaId: number | undefined): KamfError {
  return new KamfError('CODEC_DECODE_FAILED', `cannot decode ${type.name ?? type.typeName}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { recordType: type.name, bodyLength: body.length, ...(schemaId === undefined ? {} : { schemaId }) },
  });
}

function describeType(t: Type): string {
  // a union is named by its branches ("null | string"), not by avsc's "union:unwrapped"
  const branches = (t as { types?: Type[] }).types;
  return t.name ?? (t.typeName.startsWith('union') && branches ? branches.map(describeType).join(' | ') : t.typeName);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length > 40 ? `string(${v.length})` : JSON.stringify(v);
  if (typeof v === 'object') return 'object';
  return `${typeof v} ${String(v)}`;
}
