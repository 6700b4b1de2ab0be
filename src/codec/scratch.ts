/**
 * One scratch buffer that framed Avro values are written into before their one copy out: avsc's `toBuffer` would give
 * each value a zero-filled buffer of its own and copy it, and framing would then copy it again. The copy is a slice
 * of Node's shared pool when small: right for records on their way to Kafka, not for values kept for long.
 */

const SCRATCH_MAX = 1 << 20;
let scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * Runs `encode` (avsc's `Type.encode` contract: the end position, or minus the bytes it lacked) at `start` of the
 * scratch buffer and returns a new buffer of `start` bytes for the caller to fill, the encoded bytes, then `tail`.
 * The scratch grows for values up to 1 MiB; a larger one is written into a buffer of its own, not kept.
 */
export function encodedCopy(start: number, encode: (buf: Buffer, pos: number) => number, tail?: Uint8Array): Buffer {
  let buf = scratch;
  let end = encode(buf, start);
  if (end < 0) {
    const needed = buf.length - end;
    buf = Buffer.allocUnsafe(needed <= SCRATCH_MAX ? Math.min(SCRATCH_MAX, 2 * needed) : needed);
    if (needed <= SCRATCH_MAX) scratch = buf;
    end = encode(buf, start);
  }
  const out = Buffer.allocUnsafe(end + (tail?.length ?? 0));
  buf.copy(out, start, start, end);
  if (tail) out.set(tail, end);
  return out;
}
