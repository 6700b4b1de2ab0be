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
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        configEntries: s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
    return missing.map((s) => s.name);
  } finally {
    await admin.disconnect();
  }
}
