/**
 * Kafka records <-> SQL rows for the embedded engine: a source message to a row (metadata columns, raw or
 * avro-confluent value) and a sink row to a message. Pure conversions, apart from the consumer and producer.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { KamfError } from '../../core/errors.js';
import type { TablePlan } from '../plan.js';

/** Decodes a Confluent-framed Avro value to a plain object. */
export type DecodeAvro = (value: Buffer, registryUrl: string) => Promise<unknown>;

/** A source message -> the row of table `t` (without its computed columns). */
export async function messageRow(t: TablePlan, topic: string, partition: number, m: KafkaMessage, decodeAvro: DecodeAvro | undefined): Promise<Record<string, unknown>> {
  const row: Record<string, unknown> = {};
  for (const c of t.columns) {
    if (c.kind !== 'metadata') continue;
    switch (c.metadataKey ?? c.name) {
      case 'headers': {
        // as Flink's Kafka connector reads them: a null value stays NULL, of duplicate keys the last one wins
        const map = new Map<string, Buffer | null>();
        for (const [k, v] of Object.entries(m.headers ?? {})) {
          const last = Array.isArray(v) ? v[v.length - 1] : v;
          if (last !== undefined) map.set(k, last === null ? null : Buffer.isBuffer(last) ? last : Buffer.from(String(last)));
        }
        row[c.name] = map;
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

/** A sink row -> a Kafka message (raw key and value, headers and timestamp metadata). */
export function toMessage(sink: TablePlan, values: Record<string, unknown>): Message {
  const bytes = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
  if (sink.format !== 'raw') throw new KamfError('ROUTER_EVAL_FAILED', `sink ${sink.name}: the embedded engine writes the raw format only`);
  const message: Message = { key: sink.keyField ? bytes(values[sink.keyField]) : null, value: bytes(values[sink.valueFields[0]!]) };
  for (const c of sink.columns) {
    if (c.kind !== 'metadata' || c.virtual) continue;
    const v = values[c.name];
    if ((c.metadataKey ?? c.name) === 'headers' && v instanceof Map) {
      const h: IHeaders = {};
      for (const [k, x] of v as Map<string, unknown>) if (x !== null && x !== undefined) h[k] = bytes(x)!;
      message.headers = h;
    } else if ((c.metadataKey ?? c.name) === 'timestamp' && v !== null && v !== undefined) {
      message.timestamp = String(Number(v));
    }
  }
  return message;
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
