/** Read a window of topics (names or globs), decode every record through the registry, and filter. */
import type { Kafka } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import { KamfError } from '../core/errors.js';
import { compileFilter, isEmptyFilter, type RecordFilter } from './filters.js';
import { noProgress, type ProgressBar } from './progress.js';
import { decodeRecord, type RecordView } from './records.js';
import { resolveTopics } from './topics.js';
import {
  compareRecords,
  rangeSize,
  readRanges,
  resolveAllRanges,
  type PartitionRange,
  type ReadResult,
  type WindowSpec,
} from './window.js';

export interface ReadViewsOptions {
  kafka: Kafka;
  codec: A2ACodec;
  /** Topic names or glob patterns. */
  topics: readonly string[];
  window: WindowSpec;
  filter?: RecordFilter;
  progress?: ProgressBar;
  /** Fail when a literal topic name does not exist (default true); patterns may match nothing. */
  requireTopics?: boolean;
  idleTimeoutMs?: number;
}

export interface ViewsResult {
  topics: string[];
  ranges: PartitionRange[];
  /** Records in the window (before the filter). */
  scanned: number;
  views: RecordView[];
  read: ReadResult;
}

export async function readViews(o: ReadViewsOptions): Promise<ViewsResult> {
  const admin = o.kafka.admin();
  await admin.connect();
  let topics: string[];
  try {
    const r = await resolveTopics(admin, o.topics);
    if (r.missing.length && o.requireTopics !== false) throw new KamfError('CONFIG_INVALID', `no such topic: ${r.missing.join(', ')}`);
    topics = r.topics;
  } finally {
    await admin.disconnect();
  }
  const ranges = await resolveAllRanges(o.kafka, topics, o.window);
  const progress = o.progress ?? noProgress;
  progress.start(rangeSize(ranges), 'reading');
  const keep = o.filter && !isEmptyFilter(o.filter) ? compileFilter(o.filter) : () => true;
  const views: RecordView[] = [];
  let scanned = 0;
  const read = await readRanges(o.kafka, ranges, {
    ...(o.window.from?.kind === 'time' ? { fromMs: o.window.from.ms } : {}),
    ...(o.window.to?.kind === 'time' ? { toMs: o.window.to.ms } : {}),
    ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    onProgress: (n) => progress.update(n),
    onRecord: async (raw) => {
      scanned++;
      const v = await decodeRecord(o.codec, raw);
      if (keep(v)) views.push(v);
    },
  });
  progress.stop();
  views.sort(compareRecords);
  return { topics, ranges, scanned, views, read };
}
