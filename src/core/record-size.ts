/** Record sizes against Kafka's record limit: the binding's and the router's writers check them before sending. */
import type { IHeaders, Message } from 'kafkajs';

/** The record limit Kafka ships with (broker `message.max.bytes`, topic `max.message.bytes`): 1 MiB + 12. */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_588;
/** Record batch and record framing: what a single record adds to key, value and headers on the wire. */
const RECORD_OVERHEAD = 128;

// module level, not per call: every record of every writer is measured
const len = (v: unknown): number => (v == null ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v)));

/** The bytes a record takes against the record limit (a close upper estimate). */
export function recordBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  let n = RECORD_OVERHEAD + len(message.key) + len(message.value);
  const headers = message.headers as IHeaders | undefined;
  if (headers) {
    for (const k in headers) {
      const v = headers[k];
      n += Buffer.byteLength(k) + 8;
      if (Array.isArray(v)) for (const x of v) n += len(x);
      else n += len(v);
    }
  }
  return n;
}

