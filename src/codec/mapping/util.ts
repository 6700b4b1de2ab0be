/** Small helpers shared by the SDK ⇄ Avro mappings. Paths look like `Task.history[2].parts[0].data`. */
import { KamfError } from '../../core/errors.js';

/** A decoded or to-be-encoded Avro record (avsc's plain JS form: unions of ["null", T] are unwrapped). */
export type AvroRecord = Record<string, unknown>;

export function mappingError(path: string, reason: string, cause?: unknown): KamfError {
  return new KamfError('CODEC_MAPPING_FAILED', `${path}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path },
  });
}

/** proto3 scalar defaults for values the SDK types say are required (the SDK's own ProtoJSON does the same). */
export const str = (v: string | undefined | null): string => v ?? '';
export const bool = (v: boolean | undefined | null): boolean => v ?? false;
export const num = (v: number | undefined | null): number => v ?? 0;
export const list = <T>(v: readonly T[] | undefined | null): readonly T[] => v ?? [];

/** Avro `long` as a JS number. avsc encodes exactly only [-2^52, 2^53 - 2]; below -2^52 it silently corrupts. */
export const LONG_MIN = -(2 ** 52);
export const LONG_MAX = 2 ** 53 - 2;
export function long(path: string, v: number | undefined | null): number {
  const n = v ?? 0;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < LONG_MIN || n > LONG_MAX) {
    throw mappingError(path, `${String(v)} is not an integer in [-2^52, 2^53 - 2] (the range Avro longs carry exactly here)`);
  }
  return n;
}

/** proto `optional` scalar / message: undefined ⇄ null. */
export const opt = <T>(v: T | undefined | null): T | null => (v === undefined ? null : v);
export const unopt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** Free-form JSON (Struct / Value) → JSON text; undefined → null. */
export function jsonToText(path: string, v: unknown): string | null {
  if (v === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch (err) {
    throw mappingError(path, `not JSON-serialisable: ${(err as Error).message}`, err);
  }
  if (text === undefined) throw mappingError(path, `not JSON-serialisable (${typeof v})`);
  return text;
}

export function textToJson(path: string, text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw mappingError(path, `invalid JSON text: ${(err as Error).message}`, err);
  }
}

/** Buffer / Uint8Array → Buffer (no copy) for avsc's `bytes`. */
export function toAvroBytes(path: string, v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw mappingError(path, `expected a Buffer or Uint8Array, got ${v === null ? 'null' : typeof v}`);
}

/** Copies decoded bytes out of the (possibly large) record buffer they are a view onto. */
export const fromAvroBytes = (v: Buffer): Buffer => Buffer.from(v);

// ---- timestamps ------------------------------------------------------------------------------------

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An ISO-8601 timestamp string (how the SDK carries google.protobuf.Timestamp) → the Avro pair
 * `{ millis, text }`. `millis` is the instant for Flink (null when the text is not an RFC 3339 timestamp
 * with an explicit offset); `text` keeps the original only when it differs from `new Date(millis).toISOString()`,
 * so the round trip is exact (sub-millisecond digits, offsets, odd text) at no cost in the common case.
 */
export function isoToAvro(path: string, v: string | undefined | null): Readonly<{ millis: number | null; text: string | null }> {
  if (v === undefined || v === null) return NO_TIME;
  if (typeof v !== 'string') throw mappingError(path, `expected an ISO-8601 string, got ${typeof v}`);
  let out = toAvroTimes.get(v);
  if (!out) {
    const ms = RFC3339.test(v) ? Date.parse(v) : NaN;
    out = Object.freeze(Number.isFinite(ms) ? { millis: ms, text: new Date(ms).toISOString() === v ? null : v } : { millis: null, text: v });
    remember(toAvroTimes, v, out);
  }
  return out;
}

export function isoFromAvro(millis: number | null | undefined, text: string | null | undefined): string | undefined {
  if (text !== null && text !== undefined) return text;
  if (millis === null || millis === undefined) return undefined;
  let iso = fromAvroTimes.get(millis);
  if (iso === undefined) remember(fromAvroTimes, millis, (iso = new Date(millis).toISOString()));
  return iso;
}

const NO_TIME = Object.freeze({ millis: null, text: null });
// a task's timestamps are mapped again at every save and load of it: the recent ones are kept, not parsed again
const toAvroTimes = new Map<string, Readonly<{ millis: number | null; text: string | null }>>();
const fromAvroTimes = new Map<number, string>();
function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= 4096) cache.clear();
  cache.set(key, value);
}

// ---- enums -----------------------------------------------------------------------------------------

/**
 * A ts-proto numeric enum ⇄ Avro enum symbol. `symbols[i]` is the symbol of value i; the last symbol is
 * `UNRECOGNIZED` (ts-proto's -1).
 */
export function enumCodec<E extends number>(name: string, symbols: readonly string[]) {
  const unrecognized = symbols.length - 1;
  const index = new Map(symbols.map((s, i) => [s, i === unrecognized ? -1 : i]));
  return {
    toAvro(path: string, v: E | undefined): string {
      const n = v ?? 0;
      const sym = n === -1 ? symbols[unrecognized] : Number.isInteger(n) && n >= 0 && n < unrecognized ? symbols[n] : undefined;
      if (sym === undefined) throw mappingError(path, `${String(v)} is not a ${name} value`);
      return sym;
    },
    fromAvro(path: string, sym: string): E {
      const n = index.get(sym);
      if (n === undefined) throw mappingError(path, `${String(sym)} is not a ${name} symbol`);
      return n as E;
    },
  };
}

/** Checks a decoded proto oneof: at most one of the named Avro fields is set. Returns the one set, if any. */
export function oneofField<K extends string>(path: string, rec: AvroRecord, fields: readonly K[]): K | undefined {
  let found: K | undefined;
  for (const f of fields) {
    const v = rec[f];
    if (v === null || v === undefined) continue;
    if (found !== undefined) throw mappingError(path, `oneof has more than one field set (${found}, ${f})`);
    found = f;
  }
  return found;
}

/**
 * Maps the values of a proto map, building the result safely for any key. With `encodePath` (SDK → Avro)
 * a `__proto__` key is refused: avsc decodes Avro maps by plain assignment, which would silently drop it.
 */
export function mapValues<A, B>(
  m: Record<string, A> | undefined | null,
  fn: (v: A, k: string) => B,
  encodePath?: string,
): Record<string, B> {
  const out: Record<string, B> = {};
  if (!m) return out;
  for (const [k, v] of Object.entries(m)) {
    if (k === '__proto__' && encodePath !== undefined) {
      throw mappingError(`${encodePath}["__proto__"]`, 'the key "__proto__" cannot be carried in an Avro map');
    }
    Object.defineProperty(out, k, { value: fn(v, k), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
