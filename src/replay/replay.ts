/**
 * `kamf replay`: read a bounded window of topics, filter, and then print it, write it as JSON Lines, or
 * re-inject the requests into another topic (see inject.ts).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Kafka } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import type { RecordFilter } from './filters.js';
import { inject, type InjectReport } from './inject.js';
import type { ProgressBar } from './progress.js';
import { readViews, type ViewsResult } from './read.js';
import { viewToJson, type RecordView } from './records.js';
import type { WindowSpec } from './window.js';

export interface ReplayOptions {
  kafka: Kafka;
  codec: A2ACodec;
  topics: readonly string[];
  window: WindowSpec;
  filter?: RecordFilter;
  progress?: ProgressBar;
  /** Write the selected records as JSON Lines to this file. */
  out?: string;
  /** Re-inject the selected requests into this topic. */
  into?: string;
  rate?: number;
  dryRun?: boolean;
  replyTo?: string | true;
  waitMs?: number;
  keepMessageIds?: boolean;
  /** Called after reading and before writing to `into`; return false to stop (the confirmation prompt). */
  beforeWrite?: (records: readonly RecordView[]) => Promise<boolean>;
}

export interface ReplayResult {
  topics: string[];
  scanned: number;
  records: RecordView[];
  incomplete: ViewsResult['read']['incomplete'];
  out?: { file: string; lines: number };
  inject?: InjectReport;
  /** True when beforeWrite said no. */
  aborted?: boolean;
}

export async function writeJsonLines(file: string, views: readonly RecordView[]): Promise<number> {
  const stream = createWriteStream(file, { encoding: 'utf8' });
  for (const v of views) {
    if (!stream.write(JSON.stringify(viewToJson(v)) + '\n')) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
  return views.length;
}

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const read = await readViews({
    kafka: o.kafka,
    codec: o.codec,
    topics: o.topics,
    window: o.window,
    ...(o.filter ? { filter: o.filter } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  const result: ReplayResult = { topics: read.topics, scanned: read.scanned, records: read.views, incomplete: read.read.incomplete };
  if (o.out) result.out = { file: o.out, lines: await writeJsonLines(o.out, read.views) };
  if (o.into) {
    const requests = read.views.filter((v) => v.kind === 'request');
    if (!o.dryRun && requests.length && o.beforeWrite && !(await o.beforeWrite(requests))) {
      result.aborted = true;
      return result;
    }
    o.progress?.start(requests.length, 'replaying');
    result.inject = await inject({
      kafka: o.kafka,
      codec: o.codec,
      into: o.into,
      records: read.views,
      ...(o.rate ? { rate: o.rate } : {}),
      ...(o.dryRun ? { dryRun: true } : {}),
      ...(o.replyTo !== undefined ? { replyTo: o.replyTo } : {}),
      ...(o.waitMs ? { waitMs: o.waitMs } : {}),
      ...(o.keepMessageIds ? { keepMessageIds: true } : {}),
      onSent: (n) => o.progress?.update(n),
    }).finally(() => o.progress?.stop());
  }
  return result;
}
