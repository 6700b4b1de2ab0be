/** Counting what the delivery tests claim: reply records per request, snapshots per task, read raw from Kafka. */
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { MeshConnection } from '../../src/binding/mesh.js';
import { HEADERS, readHeaders } from '../../src/binding/protocol.js';
import type { TaskSnapshot } from '../../src/codec/index.js';
import { percentile } from '../../src/replay/percentiles.js';

const TERMINAL = new Set([3, 4, 5, 7]);

/** Every committed record of `topic` up to its current end (read_committed, the way the binding's readers read). */
export async function readTopic(mesh: MeshConnection, topic: string): Promise<KafkaMessage[]> {
  const admin = mesh.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const left = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const out: KafkaMessage[] = [];
  if (left.size === 0) return out;
  const groupId = `reader-${randomUUID()}`;
  const consumer = mesh.kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        out.push(...batch.messages);
        if (Number(batch.lastOffset()) + 1 >= (left.get(batch.partition) ?? 0)) left.delete(batch.partition);
        if (left.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  const admin2 = mesh.kafka.admin();
  await admin2.connect().then(() => admin2.deleteGroups([groupId]).catch(() => {}));
  await admin2.disconnect();
  return out;
}

/** Final reply records (endOfStream) per correlation id on a reply topic: exactly one each is the claim. */
export async function finalRepliesPerRequest(mesh: MeshConnection, replyTopic: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const m of await readTopic(mesh, replyTopic)) {
    if (!m.value) continue;
    const r = await mesh.codec.decodeA2AResponse(m.value);
    if (!r.endOfStream) continue;
    const id = readHeaders(m.headers as Record<string, unknown>)[HEADERS.correlationId] ?? r.requestId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export interface SnapshotCounts {
  /** Terminal snapshots per task id (a task that ends once has exactly one). */
  terminalPerTask: Map<string, number>;
  /** The last snapshot's state per task id. */
  lastState: Map<string, number>;
  /** Task ids per first user messageId (one task per request is the claim). */
  tasksPerMessage: Map<string, Set<string>>;
}

export async function snapshotCounts(mesh: MeshConnection, tasksTopic: string): Promise<SnapshotCounts> {
  const terminalPerTask = new Map<string, number>();
  const lastState = new Map<string, number>();
  const tasksPerMessage = new Map<string, Set<string>>();
  const snaps: TaskSnapshot[] = [];
  for (const m of await readTopic(mesh, tasksTopic)) if (m.value) snaps.push(await mesh.codec.decodeTaskSnapshot(m.value));
  for (const s of snaps.sort((a, b) => a.savedAt - b.savedAt)) {
    const state = s.task.status?.state ?? 0;
    if (TERMINAL.has(state)) terminalPerTask.set(s.task.id, (terminalPerTask.get(s.task.id) ?? 0) + 1);
    lastState.set(s.task.id, state);
    const mid = s.task.history[0]?.messageId ?? '';
    if (!tasksPerMessage.has(mid)) tasksPerMessage.set(mid, new Set());
    tasksPerMessage.get(mid)!.add(s.task.id);
  }
  return { terminalPerTask, lastState, tasksPerMessage };
}

export const isTerminal = (state: number) => TERMINAL.has(state);

/** Nearest-rank percentile of `values` (the project's one definition, src/replay/percentiles.ts). */
export function p(values: number[], q: number): number {
  return percentile([...values].sort((a, b) => a - b), q) ?? 0;
}
