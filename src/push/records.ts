/**
 * What operators see of deliveries: counts, failures and the last error per webhook (from `a2a.push-deliveries`),
 * the dead letters (`a2a.push-dlq`), and a replay of one dead letter to its webhook with the config's credentials.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { KamfError } from '../core/errors.js';
import { PUSH_CONFIGS_TOPIC, type PushConfigEntry } from './config-store.js';
import { DELIVERY_ID_HEADER, PUSH_DELIVERIES_TOPIC, PUSH_DLQ_TOPIC, TOKEN_HEADER, type DeliveryRecord } from './delivery.js';
import type { WebhookPolicy } from './policy.js';
import { postWebhook, type PostOutcome } from './post.js';

/** Every record of a topic up to its end when called: key and value text (null for tombstones). */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<Array<{ key: string; value: string | null }>> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ partition: number; high: string; low: string }>;
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const out: Array<{ key: string; value: string | null }> = [];
  if (ends.every((e) => e.high === e.low)) return out;
  const at = new Map<number, number>();
  const consumer = kafka.consumer({ groupId: `kamf-push-read-${randomUUID()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const high = Number(ends.find((e) => e.partition === partition)?.high ?? 0);
        if (Number(message.offset) < high) out.push({ key: message.key?.toString('utf8') ?? '', value: message.value?.toString('utf8') ?? null });
        at.set(partition, Number(message.offset));
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!ends.every((e) => e.high === e.low || (at.get(e.partition) ?? -1) >= Number(e.high) - 1)) {
      if (Date.now() > deadline) throw new KamfError('KAFKA_ERROR', `${topic} not read to its end within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const parse = <T>(value: string | null): T | undefined => {
  if (!value) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
};

export interface WebhookStatus {
  agent: string;
  taskId: string;
  configId: string;
  url: string;
  delivered: number;
  deadLettered: number;
  /** POSTs that failed (retried ones and the last of each dead letter). */
  failedAttempts: number;
  lastError?: string;
  lastAt: number;
}

/** Per webhook (agent, task, config): what `a2a.push-deliveries` says happened. */
export function summarize(records: DeliveryRecord[]): WebhookStatus[] {
  const by = new Map<string, WebhookStatus>();
  for (const r of records) {
    const key = `${r.agent}/${r.taskId}/${r.configId}`;
    const s = by.get(key) ?? { agent: r.agent, taskId: r.taskId, configId: r.configId, url: r.url, delivered: 0, deadLettered: 0, failedAttempts: 0, lastAt: 0 };
    if (r.ok) s.delivered++;
    else s.deadLettered++;
    s.failedAttempts += r.ok ? r.attempts - 1 : r.attempts;
    if (!r.ok && r.reason) s.lastError = r.reason;
    s.lastAt = Math.max(s.lastAt, r.at);
    by.set(key, s);
  }
  return [...by.values()].sort((a, b) => b.lastAt - a.lastAt);
}

export async function deliveryStatus(kafka: Kafka, opts: { agent?: string; topic?: string } = {}): Promise<WebhookStatus[]> {
  const records = (await readTopic(kafka, opts.topic ?? PUSH_DELIVERIES_TOPIC)).map((m) => parse<DeliveryRecord>(m.value)).filter((r): r is DeliveryRecord => !!r);
  return summarize(records.filter((r) => !opts.agent || r.agent === opts.agent));
}

export async function deadLetters(kafka: Kafka, opts: { agent?: string; topic?: string } = {}): Promise<DeliveryRecord[]> {
  return (await readTopic(kafka, opts.topic ?? PUSH_DLQ_TOPIC))
    .map((m) => parse<DeliveryRecord>(m.value))
    .filter((r): r is DeliveryRecord => !!r && (!opts.agent || r.agent === opts.agent));
}

export interface ReplayOptions {
  deliveryId: string;
  dlqTopic?: string;
  configsTopic?: string;
  deliveriesTopic?: string;
  policy?: WebhookPolicy;
  timeoutMs?: number;
}

/**
 * POSTs a dead-lettered delivery again, with the same delivery id, to the webhook its config names now (with the
 * config's credentials), and records the outcome on `a2a.push-deliveries`. Refused when the config was deleted.
 */
export async function replayDeadLetter(kafka: Kafka, opts: ReplayOptions): Promise<PostOutcome & { record: DeliveryRecord }> {
  const letters = (await readTopic(kafka, opts.dlqTopic ?? PUSH_DLQ_TOPIC)).map((m) => parse<DeliveryRecord>(m.value)).filter((r) => r?.deliveryId === opts.deliveryId);
  const letter = letters.at(-1);
  if (!letter?.body) throw new KamfError('CLI_USAGE', `no dead letter with delivery id ${opts.deliveryId}`, { hint: 'kamf push dead lists them' });
  const key = `${letter.agent}/${letter.taskId}/${letter.configId}`;
  const configs = await readTopic(kafka, opts.configsTopic ?? PUSH_CONFIGS_TOPIC);
  const entry = parse<PushConfigEntry>(configs.filter((m) => m.key === key).at(-1)?.value ?? null);
  if (!entry) throw new KamfError('CLI_USAGE', `the push config ${letter.configId} of task ${letter.taskId} no longer exists: nothing to replay to`);
  const c = entry.config;
  const headers: Record<string, string> = { 'content-type': letter.contentType ?? 'application/a2a+json', [DELIVERY_ID_HEADER]: letter.deliveryId, 'X-Kamf-Delivery-Attempt': String(letter.attempts + 1) };
  if (c.authentication?.scheme && c.authentication.credentials) headers.authorization = `${c.authentication.scheme} ${c.authentication.credentials}`;
  if (c.token) headers[TOKEN_HEADER] = c.token;
  const outcome = await postWebhook(c.url, letter.body, headers, opts.policy ?? {}, opts.timeoutMs ?? 10_000);
  const record: DeliveryRecord = {
    deliveryId: letter.deliveryId,
    agent: letter.agent,
    taskId: letter.taskId,
    configId: letter.configId,
    url: c.url,
    ok: outcome.ok,
    attempts: 1,
    ...(outcome.status !== undefined ? { status: outcome.status } : {}),
    ...(!outcome.ok && outcome.error ? { reason: `replay: ${outcome.error}` } : {}),
    at: Date.now(),
  };
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: opts.deliveriesTopic ?? PUSH_DELIVERIES_TOPIC, acks: -1, messages: [{ key, value: JSON.stringify(record) }] });
  } finally {
    await producer.disconnect();
  }
  return { ...outcome, record };
}
