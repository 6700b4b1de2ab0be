/**
 * Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body.
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
import { KamfError } from '../core/errors.js';
import { encodedCopy } from './scratch.js';

export const MAGIC_BYTE = 0;
export const FRAME_HEADER_SIZE = 5;

export interface Frame {
  schemaId: number;
  /** The Avro body: a view onto the input buffer, not a copy. */
  body: Buffer;
}

/** Prefixes `body` (followed by `tail`, when given: one copy, no concatenation first) with the magic byte and the schema id. */
export function frame(schemaId: number, body: Uint8Array, tail?: Uint8Array): Buffer {
  checkSchemaId(schemaId);
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + body.length + (tail?.length ?? 0));
  writeHeader(out, schemaId);
  out.set(body, FRAME_HEADER_SIZE);
  if (tail) out.set(tail, FRAME_HEADER_SIZE + body.length);
  return out;
}

/** Frames the body `encode` writes (`encodedCopy`), followed by `tail`: one copy, no body buffer of its own. */
export function frameEncoded(schemaId: number, encode: (buf: Buffer, pos: number) => number, tail?: Uint8Array): Buffer {
  checkSchemaId(schemaId);
  const out = encodedCopy(FRAME_HEADER_SIZE, encode, tail);
  writeHeader(out, schemaId);
  return out;
}

function checkSchemaId(schemaId: number): void {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new KamfError('CODEC_ENCODE_FAILED', `invalid schema id ${String(schemaId)}: must be an int32 >= 0`, {
      details: { schemaId },
    });
  }
}

function writeHeader(out: Buffer, schemaId: number): void {
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
}

/** Splits a framed record value; throws CODEC_TRUNCATED or CODEC_BAD_MAGIC. */
export function parseFrame(buf: Uint8Array | null | undefined): Frame {
  if (buf == null || buf.length < FRAME_HEADER_SIZE) {
    const len = buf == null ? 0 : buf.length;
    throw new KamfError(
      'CODEC_TRUNCATED',
      `not a Confluent-framed value: ${len} byte(s), need at least ${FRAME_HEADER_SIZE} (magic byte + 4-byte schema id)`,
      { details: { length: len } },
    );
  }
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (b[0] !== MAGIC_BYTE) {
    throw new KamfError(
      'CODEC_BAD_MAGIC',
      `not a Confluent-framed value: first byte is 0x${(b[0] ?? 0).toString(16).padStart(2, '0')}, expected magic byte 0x00`,
      { details: { magic: b[0] } },
    );
  }
  return { schemaId: b.readInt32BE(1), body: b.subarray(FRAME_HEADER_SIZE) };
}
