/** `kamf topics`: topics with partitions, offsets and the lag of every consumer group that reads them. */
import type { Kafka } from 'kafkajs';
import { isInternalTopic } from './topics.js';

export interface PartitionInfo {
  partition: number;
  low: number;
  high: number;
}

export interface GroupLag {
  groupId: string;
  /** Sum over the topic's partitions of end offset − committed offset (partitions without a commit: end − low). */
  lag: number;
  /** Partitions the group has committed offsets for. */
  committed: number;
}

export interface TopicInfo {
  topic: string;
  partitions: number;
  /** Records still in the log (Σ high − low). */
  records: number;
  endOffsets: PartitionInfo[];
  groups: GroupLag[];
}

export async function describeTopics(kafka: Kafka, opts: { all?: boolean; match?: (t: string) => boolean } = {}): Promise<TopicInfo[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((t) => (opts.all || !isInternalTopic(t)) && (!opts.match || opts.match(t))).sort();
    const out = new Map<string, TopicInfo>();
    for (const topic of names) {
      const offs = await admin.fetchTopicOffsets(topic);
      const endOffsets = offs
        .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition);
      out.set(topic, {
        topic,
        partitions: endOffsets.length,
        records: endOffsets.reduce((n, p) => n + p.high - p.low, 0),
        endOffsets,
        groups: [],
      });
    }
    const { groups } = await admin.listGroups();
    for (const g of groups.map((x) => x.groupId).sort()) {
      let committed;
      try {
        committed = await admin.fetchOffsets({ groupId: g });
      } catch {
        continue; // the group went away meanwhile
      }
      for (const t of committed) {
        const info = out.get(t.topic);
        if (!info) continue;
        let lag = 0;
        let n = 0;
        for (const p of info.endOffsets) {
          const c = Number(t.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
          if (c >= 0) {
            n++;
            lag += Math.max(0, p.high - c);
          } else lag += p.high - p.low;
        }
        if (n > 0) info.groups.push({ groupId: g, lag, committed: n });
      }
    }
    return [...out.values()];
  } finally {
    await admin.disconnect();
  }
}
