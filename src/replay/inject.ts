/**
 * Re-injection of recorded requests into a topic (replay --into, diff). Each record gets a new correlation id
 * (A2ARequest.requestId and `kamf-correlation-id`), a new messageId (unless kept: servers answer a known
 * messageId from the task store without running it again), a `kamf-replay-of: <topic>/<partition>/<offset>`
 * header, and a reply address: by default the replay reply topic (inbox.ts), read by this module so it can
 * report the answers. It writes only to `into`, which must already exist; it never creates it.
 */
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { HEADERS } from '../binding/protocol.js';
import type { A2ACodec, A2ARequest } from '../codec/index.js';
import { KamfError } from '../core/errors.js';
import { OutcomeBuilder, type Outcome } from './answers.js';
import { REPLAY_REPLY_TOPIC, ReplayInbox } from './inbox.js';
import { replyFields, type RecordView } from './records.js';
import { TokenBucket, unlimited } from './rate.js';
import { agentOfTopic } from './topics.js';

export interface InjectOptions {
  kafka: Kafka;
  codec: A2ACodec;
  into: string;
  /** Recorded records; only requests are re-injected, the rest is counted as skipped. */
  records: readonly RecordView[];
  /** Records per second (token bucket, burst 1); unpaced when absent. */
  rate?: number;
  dryRun?: boolean;
  /** A topic: replies go there (not read). `true`: keep each record's original reply-to. Absent: the replay inbox. */
  replyTo?: string | true;
  /** The topic the replay inbox reads (default `a2a.replies.kamf-replay`, created when missing, never deleted). */
  replyTopic?: string;
  /** How long to wait for the answers after the last record was sent (default 30 s). */
  waitMs?: number;
  keepMessageIds?: boolean;
  onSent?: (sent: number) => void;
}

export interface InjectedRecord {
  source: { topic: string; partition: number; offset: number; requestId: string };
  requestId: string;
  messageId?: string;
  key: string | null;
  headers: Record<string, string>;
  /** Epoch millis when the broker acknowledged the record. */
  sentAt?: number;
  /** The target's answer (own reply topic only). */
  outcome?: Outcome;
  /** The original request's text, if any. */
  text?: string;
}

export interface InjectReport {
  into: string;
  dryRun: boolean;
  replyTopic?: string;
  sent: number;
  skipped: number;
  answered: number;
  /** Records per second between the first and the last send. */
  observedRate?: number;
  elapsedMs: number;
  records: InjectedRecord[];
}

export function replayOfHeader(v: Pick<RecordView, 'topic' | 'partition' | 'offset'>): string {
  return `${v.topic}/${v.partition}/${v.offset}`;
}

/** The rewritten envelope and headers of one recorded request (pure; used by dry runs too). */
export function rewriteRequest(
  v: RecordView,
  opts: { into: string; replyTopic?: string; keepReplyTo?: boolean; keepMessageIds?: boolean; deadline?: number; requestId?: string },
): { request: A2ARequest; headers: Record<string, string>; requestId: string; messageId?: string } {
  if (v.kind !== 'request' || !v.value) throw new KamfError('CONFIG_INVALID', `record ${replayOfHeader(v)} is not an A2ARequest`);
  const original = v.value as A2ARequest;
  const requestId = opts.requestId ?? randomUUID();
  let request: A2ARequest = { ...original, requestId };
  let messageId: string | undefined;
  if ((request.method === 'SEND_MESSAGE' || request.method === 'SEND_STREAMING_MESSAGE') && request.params.message) {
    messageId = opts.keepMessageIds ? request.params.message.messageId : randomUUID();
    request = { ...request, params: { ...request.params, message: { ...request.params.message, messageId } } } as A2ARequest;
  }
  const headers: Record<string, string> = { ...v.headers };
  for (const h of [HEADERS.correlationId, HEADERS.replyTo, HEADERS.deadline, HEADERS.replayOf]) delete headers[h];
  headers[HEADERS.correlationId] = requestId;
  const replyTo = opts.keepReplyTo ? v.headers[HEADERS.replyTo] : opts.replyTopic;
  if (replyTo) headers[HEADERS.replyTo] = replyTo;
  if (opts.deadline !== undefined) headers[HEADERS.deadline] = String(opts.deadline);
  headers[HEADERS.replayOf] = replayOfHeader(v);
  const agent = agentOfTopic(opts.into);
  if (agent) headers[HEADERS.target] = agent;
  return { request, headers, requestId, ...(messageId !== undefined ? { messageId } : {}) };
}

export async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

export async function inject(opts: InjectOptions): Promise<InjectReport> {
  const started = Date.now();
  const requests = opts.records.filter((r) => r.kind === 'request' && r.value);
  const skipped = opts.records.length - requests.length;
  const waitMs = opts.waitMs ?? 30_000;
  const ownInbox = opts.replyTo === undefined;
  const report: InjectReport = { into: opts.into, dryRun: !!opts.dryRun, sent: 0, skipped, answered: 0, elapsedMs: 0, records: [] };

  if (opts.dryRun) {
    for (const v of requests) {
      const rw = rewriteRequest(v, rewriteOpts(opts, ownInbox ? (opts.replyTopic ?? REPLAY_REPLY_TOPIC) : undefined, undefined));
      report.records.push(injected(v, rw));
    }
    report.elapsedMs = Date.now() - started;
    return report;
  }

  if (!(await topicExists(opts.kafka, opts.into))) {
    throw new KamfError(
      'CONFIG_INVALID',
      `topic ${opts.into} does not exist; replay writes only to existing topics (create it, or start the agent that owns it)`,
    );
  }
  const inbox = ownInbox ? new ReplayInbox(opts.kafka, opts.codec, opts.replyTopic) : undefined;
  const producer = opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const outcomes = new OutcomeBuilder();
  const waiting = new Map<string, () => void>();
  const done: Promise<void>[] = [];
  const unregister: Array<() => void> = [];
  try {
    if (inbox) {
      await inbox.start();
      report.replyTopic = inbox.topic;
    }
    await producer.connect();
    const bucket = opts.rate ? new TokenBucket(opts.rate) : unlimited;
    const sentTimes: number[] = [];
    for (const v of requests) {
      const rw = rewriteRequest(v, rewriteOpts(opts, inbox?.topic, inbox ? Date.now() + waitMs + 60_000 : undefined));
      if (inbox) {
        done.push(
          new Promise<void>((resolve) => {
            waiting.set(rw.requestId, resolve);
            unregister.push(
              inbox.register(rw.requestId, {
                push: (res, timestamp) => {
                  outcomes.add({ ...view(), ...replyFields(res, rw.requestId), timestamp } as RecordView);
                  if (res.endOfStream) resolve();
                },
              }),
            );
          }),
        );
      }
      await bucket.take();
      const value = await opts.codec.encodeA2ARequest(opts.into, rw.request);
      await producer.send({ topic: opts.into, messages: [{ key: v.key, value, headers: rw.headers as IHeaders }] });
      const rec = injected(v, rw);
      rec.sentAt = Date.now();
      sentTimes.push(rec.sentAt);
      report.records.push(rec);
      report.sent++;
      opts.onSent?.(report.sent);
    }
    if (sentTimes.length > 1) {
      const span = sentTimes.at(-1)! - sentTimes[0]!;
      if (span > 0) report.observedRate = Math.round(((sentTimes.length - 1) / span) * 1000 * 100) / 100;
    }
    if (inbox && done.length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(done), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
      for (const rec of report.records) {
        const o = outcomes.get(rec.requestId);
        if (o) rec.outcome = o;
        if (o?.final) report.answered++;
      }
    }
  } finally {
    for (const u of unregister) u();
    await producer.disconnect().catch(() => {});
    await inbox?.stop().catch(() => {});
  }
  report.elapsedMs = Date.now() - started;
  return report;
}

function rewriteOpts(opts: InjectOptions, replyTopic: string | undefined, deadline: number | undefined) {
  return {
    into: opts.into,
    ...(typeof opts.replyTo === 'string' ? { replyTopic: opts.replyTo } : replyTopic ? { replyTopic } : {}),
    ...(opts.replyTo === true ? { keepReplyTo: true } : {}),
    ...(opts.keepMessageIds ? { keepMessageIds: true } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
  };
}

function injected(v: RecordView, rw: ReturnType<typeof rewriteRequest>): InjectedRecord {
  return {
    source: { topic: v.topic, partition: v.partition, offset: v.offset, requestId: v.correlationId ?? '' },
    requestId: rw.requestId,
    ...(rw.messageId !== undefined ? { messageId: rw.messageId } : {}),
    key: v.key,
    headers: rw.headers,
    ...(v.text !== undefined ? { text: v.text } : {}),
  };
}

function view(): Partial<RecordView> {
  return { topic: '', partition: 0, offset: 0, key: null, headers: {} };
}
