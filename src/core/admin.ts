/** Topic administration: create what is missing with the right cleanup policy, leave the rest alone. */
import type { Admin, Kafka } from 'kafkajs';
import type { TopicSpec } from './topics.js';

export async function ensureTopics(kafka: Kafka, specs: readonly Pick<TopicSpec, 'name' | 'compacted' | 'partitions'>[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
    } catch (err) {
      // another process (a second instance starting at the same moment) created them first: that is fine
      if (!alreadyExists(err)) throw err;
    }
    await awaitLeaders(admin, missing.map((s) => s.name));
    return missing.map((s) => s.name);
  } finally {
    await admin.disconnect();
  }
}

function alreadyExists(err: unknown): boolean {
  const e = err as { type?: string; message?: string; errors?: unknown[] };
  if (e?.type === 'TOPIC_ALREADY_EXISTS' || /already exists/i.test(e?.message ?? '')) return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every(alreadyExists);
}

/**
 * Waits (at most about 5 s) until every partition of `topics` reports a leader: createTopics' own wait can return
 * before that, and a fetch or produce right after it then meets UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER.
 */
export async function awaitLeaders(admin: Admin, topics: string[]): Promise<void> {
  for (let i = 0; i < 50 && topics.length > 0; i++) {
    const meta = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
    if (meta && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
