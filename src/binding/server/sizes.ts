/**
 * Honest sizes: what fits in one Kafka record. A reply or a snapshot is one record, and the broker refuses a record
 * above its limit (`message.max.bytes`, 1 MiB by default). Large results therefore travel as several artifact-update
 * events (`append`), and the task store keeps a snapshot within the limit by leaving out artifact content that does
 * not fit (the stream carried it whole).
 */
import type { Artifact, Part, StreamResponse, Task } from '@a2a-js/sdk';

const bytesOf = (p: Part) => (p.content?.$case === 'text' ? Buffer.byteLength(p.content.value) : p.content?.$case === 'raw' ? p.content.value.length : 0);

/** Splits a text or raw part into pieces of at most `max` bytes (text on character boundaries). */
function splitPart(p: Part, max: number): Part[] {
  const c = p.content;
  if (c?.$case === 'raw') {
    const out: Part[] = [];
    for (let i = 0; i < c.value.length; i += max) out.push({ ...p, content: { $case: 'raw', value: c.value.subarray(i, i + max) } });
    return out;
  }
  if (c?.$case !== 'text') return [p];
  const out: Part[] = [];
  let i = 0;
  while (i < c.value.length) {
    // a UTF-16 unit is at most 3 UTF-8 bytes: max/3 characters always fit
    let end = Math.min(c.value.length, i + Math.max(1, Math.floor(max / 3)));
    if (end < c.value.length && /[\uD800-\uDBFF]/.test(c.value[end - 1]!)) end--; // keep surrogate pairs whole
    out.push({ ...p, content: { $case: 'text', value: c.value.slice(i, end) } });
    i = end;
  }
  return out;
}

/**
 * An artifact update whose parts are larger than `maxBytes` becomes several updates of the same artifact: the
 * first keeps the event's `append`, the rest append, and only the last keeps its `lastChunk`. Other events pass.
 */
export function chunkLargeArtifact(ev: StreamResponse, maxBytes: number): StreamResponse[] {
  if (ev.payload?.$case !== 'artifactUpdate' || !ev.payload.value.artifact) return [ev];
  const update = ev.payload.value;
  const artifact = update.artifact!;
  const total = artifact.parts.reduce((n, p) => n + bytesOf(p), 0);
  if (total <= maxBytes) return [ev];
  const pieces: Part[][] = [];
  let current: Part[] = [];
  let size = 0;
  for (const part of artifact.parts.flatMap((p) => (bytesOf(p) > maxBytes ? splitPart(p, maxBytes) : [p]))) {
    const b = bytesOf(part);
    if (current.length > 0 && size + b > maxBytes) {
      pieces.push(current);
      current = [];
      size = 0;
    }
    current.push(part);
    size += b;
  }
  if (current.length > 0) pieces.push(current);
  return pieces.map((parts, i) => ({
    payload: {
      $case: 'artifactUpdate' as const,
      value: { ...update, artifact: { ...artifact, parts } satisfies Artifact, append: i === 0 ? update.append : true, lastChunk: i === pieces.length - 1 ? update.lastChunk : false },
    },
  }));
}

/** Metadata key on a snapshot whose artifact content was left out to fit the record limit. */
export const OMITTED_KEY = 'kamf.artifactsOmitted';

/**
 * The task with its content reduced to fit in about `budget` bytes: the largest parts (of artifacts first, then of
 * the history) are replaced by an empty text part until the rest fits, and `metadata['kamf.artifactsOmitted']`
 * says how many bytes were left out.
 */
export function withinBudget(task: Task, budget: number): Task {
  type Ref = { where: 'a' | 'h'; i: number; pi: number; bytes: number };
  const refs: Ref[] = [
    ...task.artifacts.flatMap((a, i) => a.parts.map((p, pi) => ({ where: 'a' as const, i, pi, bytes: bytesOf(p) }))),
    ...(task.history ?? []).flatMap((m, i) => m.parts.map((p, pi) => ({ where: 'h' as const, i, pi, bytes: bytesOf(p) }))),
  ];
  let total = refs.reduce((n, r) => n + r.bytes, 0);
  // artifacts go first: the stream carried them whole, while the history is what the dedupe index reads
  refs.sort((x, y) => (x.where !== y.where ? (x.where === 'a' ? -1 : 1) : y.bytes - x.bytes));
  const drop = new Set<string>();
  let omitted = 0;
  for (const r of refs) {
    if (total <= budget) break;
    if (r.bytes === 0) continue;
    drop.add(`${r.where}/${r.i}/${r.pi}`);
    total -= r.bytes;
    omitted += r.bytes;
  }
  if (drop.size === 0) return task;
  const empty = (p: Part): Part => ({ ...p, content: { $case: 'text', value: '' } });
  return {
    ...task,
    artifacts: task.artifacts.map((a, i) => ({ ...a, parts: a.parts.map((p, pi) => (drop.has(`a/${i}/${pi}`) ? empty(p) : p)) })),
    history: (task.history ?? []).map((m, i) => ({ ...m, parts: m.parts.map((p, pi) => (drop.has(`h/${i}/${pi}`) ? empty(p) : p)) })),
    metadata: { ...task.metadata, [OMITTED_KEY]: omitted },
  };
}
