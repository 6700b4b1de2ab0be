/**
 * Kafka records <-> SQL rows for the embedded engine: a source message to a row (metadata columns, raw or
 * avro-confluent value) and a sink row to a message. Pure conversions, apart from the consumer and producer.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { KamfError } from '../../core/errors.js';
import type { TablePlan } from '../plan.js';

/**
 * The `headers` column of a source row. `source` is the record's own headers object when writing the map back
 * unchanged may reuse it as it is (no null value, no duplicate key), which saves a copy per output.
 */
export class HeaderMap extends Map<string, Buffer | null> {
  source?: IHeaders;
}

/** kafkajs' headers as Flink's Kafka connector reads them: a null value stays NULL, of duplicate keys the last one wins. */
export function headerMap(headers: IHeaders | undefined): HeaderMap {
  const map = new HeaderMap();
  if (!headers) return map;
  let plain = true;
  for (const k of Object.keys(headers)) {
    const v = headers[k];
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last === undefined) {
      plain = false;
      continue;
    }
    if (last === null || Array.isArray(v) || !Buffer.isBuffer(last)) plain = false;
    map.set(k, last === null ? null : Buffer.isBuffer(last) ? last : Buffer.from(String(last)));
  }
  if (plain) map.source = headers;
  return map;
}

/** A source message -> row converter compiled for one table (see messageRow); synchronous for raw values. */
export type SourceRowOf = (topic: string, partition: number, m: KafkaMessage) => Record<string, unknown> | Promise<Record<string, unknown>>;

export function sourceRowOf(t: TablePlan, decodeAvro: DecodeAvro | undefined): SourceRowOf {
  if (t.format !== 'raw') return (topic, partition, m) => messageRow(t, topic, partition, m, decodeAvro);
  type Setter = (row: Record<string, unknown>, topic: string, partition: number, m: KafkaMessage) => void;
  const sets: Setter[] = [];
  for (const c of t.columns) {
    if (c.kind !== 'metadata') continue;
    const name = c.name;
    switch (c.metadataKey ?? c.name) {
      case 'headers':
        sets.push((row, _t, _p, m) => (row[name] = headerMap(m.headers)));
        break;
      case 'timestamp':
        sets.push((row, _t, _p, m) => (row[name] = Number(m.timestamp)));
        break;
      case 'topic':
        sets.push((row, topic) => (row[name] = topic));
        break;
      case 'partition':
        sets.push((row, _t, partition) => (row[name] = partition));
        break;
      case 'offset':
        sets.push((row, _t, _p, m) => (row[name] = BigInt(m.offset)));
        break;
      case 'timestamp-type':
        sets.push((row) => (row[name] = 'CreateTime'));
        break;
      default:
        sets.push((row) => (row[name] = null));
    }
  }
  const isString = (col: string) => t.columns.find((c) => c.name === col)?.type.name === 'STRING';
  const bytesAs = (asString: boolean) => (buf: Buffer | null | undefined) => (buf == null ? null : asString ? buf.toString('utf8') : buf);
  const key = t.keyField;
  const keyOf = bytesAs(key !== undefined && isString(key));
  const value = t.valueFields[0]!;
  const valueOf = bytesAs(isString(value));
  return (topic, partition, m) => {
    const row: Record<string, unknown> = {};
    for (const set of sets) set(row, topic, partition, m);
    if (key !== undefined) row[key] = keyOf(m.key);
    row[value] = valueOf(m.value);
    return row;
  };
}

/** Decodes a Confluent-framed Avro value to a plain object. */
export type DecodeAvro = (value: Buffer, registryUrl: string) => Promise<unknown>;

/** A source message -> the row of table `t` (without its computed columns). */
export async function messageRow(t: TablePlan, topic: string, partition: number, m: KafkaMessage, decodeAvro: DecodeAvro | undefined): Promise<Record<string, unknown>> {
  const row: Record<string, unknown> = {};
  for (const c of t.columns) {
    if (c.kind !== 'metadata') continue;
    switch (c.metadataKey ?? c.name) {
      case 'headers': {
        row[c.name] = headerMap(m.headers);
        break;
      }
      case 'timestamp':
        row[c.name] = Number(m.timestamp);
        break;
      case 'topic':
        row[c.name] = topic;
        break;
      case 'partition':
        row[c.name] = partition;
        break;
      case 'offset':
        row[c.name] = BigInt(m.offset);
        break;
      case 'timestamp-type':
        row[c.name] = 'CreateTime';
        break;
      default:
        row[c.name] = null;
    }
  }
  const asType = (col: string, buf: Buffer | null) => {
    const type = t.columns.find((c) => c.name === col)?.type.name;
    return buf === null ? null : type === 'STRING' ? buf.toString('utf8') : buf;
  };
  if (t.keyField) row[t.keyField] = asType(t.keyField, m.key ?? null);
  if (t.format === 'raw') {
    row[t.valueFields[0]!] = asType(t.valueFields[0]!, m.value ?? null);
  } else if (m.value) {
    if (!decodeAvro) throw new KamfError('ROUTER_EVAL_FAILED', 'avro-confluent source without a registry client');
    const decoded = (await decodeAvro(m.value, t.registryUrl!)) as Record<string, unknown>;
    for (const f of t.valueFields) {
      const v = normalizeAvro(decoded?.[f]);
      row[f] = typeof v === 'number' && t.columns.find((c) => c.name === f)?.type.name === 'BIGINT' ? BigInt(v) : v;
    }
  } else {
    for (const f of t.valueFields) row[f] = null;
  }
  return row;
}

const bytes = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));

/** A sink row -> a Kafka message (raw key and value, headers and timestamp metadata). */
export function toMessage(sink: TablePlan, values: Record<string, unknown>): Message {
  return messageOf(sink)(values);
}

/** toMessage compiled for one sink: the columns' roles are looked up once, not per record. */
export function messageOf(sink: TablePlan): (values: Record<string, unknown>) => Message {
  if (sink.format !== 'raw') {
    return () => {
      throw new KamfError('ROUTER_EVAL_FAILED', `sink ${sink.name}: the embedded engine writes the raw format only`);
    };
  }
  const key = sink.keyField;
  const value = sink.valueFields[0]!;
  const written = sink.columns.filter((c) => c.kind === 'metadata' && !c.virtual);
  const headers = written.filter((c) => (c.metadataKey ?? c.name) === 'headers').map((c) => c.name);
  const timestamps = written.filter((c) => (c.metadataKey ?? c.name) === 'timestamp').map((c) => c.name);
  return (values) => {
    const message: Message = { key: key ? bytes(values[key]) : null, value: bytes(values[value]) };
    for (const name of headers) {
      const v = values[name];
      if (!(v instanceof Map)) continue;
      if (v instanceof HeaderMap && v.source) {
        message.headers = v.source; // the record's headers, unchanged: nothing to copy (kafkajs only reads them)
        continue;
      }
      const h: IHeaders = {};
      for (const [k, x] of v as Map<string, unknown>) if (x !== null && x !== undefined) h[k] = bytes(x)!;
      message.headers = h;
    }
    for (const name of timestamps) {
      const v = values[name];
      if (v !== null && v !== undefined) message.timestamp = String(Number(v));
    }
    return message;
  };
}

/** avsc values -> SQL values: Dates to epoch millis, longs to numbers; records and arrays recursively. */
function normalizeAvro(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(normalizeAvro);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalizeAvro(x);
    return out;
  }
  return v;
}
