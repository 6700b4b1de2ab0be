/** Library entry points of `kamf trace` and `kamf stats`: read the topics, then build the trace or the stats. */
import type { Kafka } from 'kafkajs';
import type { A2ACodec } from '../codec/index.js';
import type { ProgressBar } from './progress.js';
import { readViews } from './read.js';
import { computeStats, type StatsReport } from './stats.js';
import { buildTrace, type Trace } from './trace.js';
import type { WindowSpec } from './window.js';

/** Where a conversation leaves records: the ingress, every agent's request topics, reply topics, task snapshots. */
export const DEFAULT_TRACE_TOPICS = ['a2a.ingress', 'agent.*.requests*', 'a2a.replies.*', 'a2a.tasks'] as const;
/** What stats need: requests and their replies, and the task snapshots for requests whose reply topic is gone. */
export const DEFAULT_STATS_TOPICS = ['agent.*.requests*', 'a2a.replies.*', 'a2a.tasks'] as const;

export interface AnalyzeOptions {
  kafka: Kafka;
  codec: A2ACodec;
  topics?: readonly string[];
  /** Start of the scan; default: everything the topics hold. */
  since?: number;
  until?: number;
  progress?: ProgressBar;
}

const windowOf = (o: AnalyzeOptions): WindowSpec => ({
  ...(o.since !== undefined ? { from: { kind: 'time', ms: o.since } } : {}),
  ...(o.until !== undefined ? { to: { kind: 'time', ms: o.until } } : {}),
});

export async function runTrace(o: AnalyzeOptions & { id: string }): Promise<Trace & { topics: string[] }> {
  const { views, topics } = await readViews({
    kafka: o.kafka,
    codec: o.codec,
    topics: o.topics ?? DEFAULT_TRACE_TOPICS,
    window: windowOf(o),
    filter: { kinds: ['request', 'reply', 'snapshot'] },
    requireTopics: o.topics !== undefined,
    ...(o.progress ? { progress: o.progress } : {}),
  });
  return { ...buildTrace(views, o.id), topics };
}

export async function runStats(o: AnalyzeOptions & { agent?: string }): Promise<StatsReport & { topics: string[] }> {
  const until = o.until ?? Date.now();
  const { views, topics } = await readViews({
    kafka: o.kafka,
    codec: o.codec,
    topics: o.topics ?? DEFAULT_STATS_TOPICS,
    // replies of requests near the end of the window may come later: read replies to the end
    window: o.since !== undefined ? { from: { kind: 'time', ms: o.since } } : {},
    filter: { kinds: ['request', 'reply', 'snapshot'] },
    requireTopics: o.topics !== undefined,
    ...(o.progress ? { progress: o.progress } : {}),
  });
  const selected = o.agent ? views.filter((v) => v.kind !== 'request' || v.agent === o.agent) : views;
  return { ...computeStats(selected, { ...(o.since !== undefined ? { since: o.since } : {}), until }), topics };
}
