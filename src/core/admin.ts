/** Topic administration: create what is missing with the right cleanup policy, leave the rest alone. */
import type { Kafka } from 'kafkajs';
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
