/** Record sizes against Kafka's record limit: the binding's and the router's writers check them before sending. */
import type { IHeaders, Message } from 'kafkajs';

/** The record limit Kafka ships with (broker `message.max.bytes`, topic `max.message.bytes`): 1 MiB + 12. */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_588;
/** Record batch and record framing: what a single record adds to key, value and headers on the wire. */
const RECORD_OVERHEAD = 128;

/** The bytes a record takes against the record limit (a close upper estimate). */
export function recordBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  const len = (v: unknown) => (v == null ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v)));
  let n = RECORD_OVERHEAD + len(message.key) + len(message.value);
  for (const [k, v] of Object.entries((message.headers ?? {}) as IHeaders)) {
    n += Buffer.byteLength(k) + 8;
    for (const x of Array.isArray(v) ? v : [v]) n += len(x);
  }
  return n;
}
