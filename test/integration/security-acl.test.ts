/**
 * Per-agent principals on a secured broker (SASL/SCRAM over TLS, StandardAuthorizer): with the ACLs `kamf acl`
 * derives and applies, an agent reads its own request topic in its own group and writes replies, and each thing
 * outside that is refused with an authorization error the test observes.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type logCreator } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, resolveEndpoints } from '../../src/core/kafka.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { applyAcls, deriveAcls } from '../../src/security/index.js';
import { startSecureStack, type SecureTestStack } from '../support/secure-stack.js';

const suffix = randomUUID().slice(0, 6);
const alpha = `alpha${suffix}`;
const beta = `beta${suffix}`;
const caller = `caller${suffix}`;
let secure: SecureTestStack;
let admin: Kafka;
let asAlpha: Kafka;
/** Every kafkajs log line of alpha's clients: a group refusal shows its cause only there. */
const alphaLog: string[] = [];

const capture: logCreator = () => ({ log, namespace }) => {
  alphaLog.push(`${namespace} ${String(log.message)} ${String((log as { error?: unknown }).error ?? '')}`);
};

beforeAll(async () => {
  secure = await startSecureStack({ users: [alpha, beta] });
  const adminConfig = await secure.configFor();
  admin = createKafka(adminConfig, resolveEndpoints(adminConfig));
  await ensureTopics(admin, [
    { name: agentRequestTopic(alpha), partitions: 1, compacted: false },
    { name: agentRequestTopic(beta), partitions: 1, compacted: false },
    { name: `a2a.replies.${caller}.1`, partitions: 1, compacted: false },
    { name: 'a2a.tasks', partitions: 1, compacted: true },
    { name: 'a2a.dlq', partitions: 1, compacted: false },
    { name: 'agent.registry', partitions: 1, compacted: true },
    { name: 'a2a.ingress', partitions: 1, compacted: false },
  ]);
  const a = admin.admin();
  await a.connect();
  try {
    await applyAcls(a, deriveAcls({ agent: alpha, role: 'agent', lanes: [''] }));
    await applyAcls(a, deriveAcls({ agent: beta, role: 'agent', lanes: [''] }));
  } finally {
    await a.disconnect();
  }
  const alphaConfig = await secure.configFor(alpha);
  const endpoints = resolveEndpoints(alphaConfig);
  // alpha's own credentials, with every log line kept (DEBUG: the group coordinator's refusal is logged there)
  asAlpha = new Kafka({
    clientId: 'alpha-test',
    brokers: endpoints.brokers,
    sasl: { mechanism: 'scram-sha-512', username: alpha, password: alphaConfig.kafka.sasl!.password },
    ssl: { ca: [readFileSync((alphaConfig.kafka.tls as { caFile: string }).caFile, 'utf8')] },
    logLevel: logLevel.DEBUG,
    logCreator: capture,
    retry: { retries: 2, initialRetryTime: 100 },
  });
  // the group coordinator of a fresh broker loads __consumer_offsets on first use: let the admin wait for that once
  const warm = admin.consumer({ groupId: 'warm-up', maxWaitTimeInMs: 50 });
  await warm.connect();
  await warm.subscribe({ topic: 'a2a.dlq', fromBeginning: true });
  const joined = new Promise<void>((r) => warm.on(warm.events.GROUP_JOIN, () => r()));
  await warm.run({ eachMessage: async () => {} });
  await joined;
  await warm.disconnect();
  // a request for alpha, from the admin
  const p = admin.producer();
  await p.connect();
  await p.send({ topic: agentRequestTopic(alpha), messages: [{ key: 'k', value: 'for alpha' }] });
  await p.send({ topic: agentRequestTopic(beta), messages: [{ key: 'k', value: 'for beta' }] });
  await p.disconnect();
}, 300_000);

afterAll(async () => {
  await secure?.stop();
});

/** Consumes one record of `topic` in `groupId` as alpha, or rejects with what the broker refused. */
async function consumeOne(topic: string, groupId: string): Promise<string> {
  const consumer = asAlpha.consumer({ groupId, maxWaitTimeInMs: 50, retry: { retries: 1 } });
  await consumer.connect();
  try {
    return await new Promise<string>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer
        .subscribe({ topic, fromBeginning: true })
        .then(() => consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

async function produceAsAlpha(topic: string): Promise<void> {
  const producer = asAlpha.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: 'k', value: 'from alpha' }] });
  } finally {
    await producer.disconnect();
  }
}

/** The broker's error type of a kafkajs failure: on the error, its cause, or its nested errors. */
function errorType(err: unknown): string {
  const e = err as { type?: string; cause?: unknown; errors?: unknown[]; originalError?: unknown };
  return e?.type ?? (e?.cause ? errorType(e.cause) : e?.originalError ? errorType(e.originalError) : e?.errors?.length ? errorType(e.errors[0]) : String(err));
}

describe('per-agent ACLs on the secured broker', () => {
  it('lets an agent read its own request topic in its own group and write a reply', async () => {
    expect(await consumeOne(agentRequestTopic(alpha), `agent.${alpha}`)).toBe('for alpha');
    await expect(produceAsAlpha(`a2a.replies.${caller}.1`)).resolves.toBeUndefined();
  });

  it("refuses to let an agent read another agent's request topic", async () => {
    const err = await consumeOne(agentRequestTopic(beta), `agent.${alpha}`).catch((e: unknown) => e);
    expect(errorType(err)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it("refuses to let an agent join another agent's consumer group", async () => {
    alphaLog.length = 0;
    const err = await consumeOne(agentRequestTopic(alpha), `agent.${beta}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // kafkajs reports "group coordinator not found"; the broker's answer to FindCoordinator is the refusal
    expect(alphaLog.some((l) => /GROUP_AUTHORIZATION_FAILED|Not authorized to access group/i.test(l))).toBe(true);
  });

  it('refuses writes outside the reply prefix', async () => {
    for (const topic of [agentRequestTopic(beta), 'a2a.ingress']) {
      const err = await produceAsAlpha(topic).catch((e: unknown) => e);
      expect(errorType(err), topic).toBe('TOPIC_AUTHORIZATION_FAILED');
    }
  });

  it('a principal created on the running broker (`kamf acl grant`) can log in at once', async () => {
    const passwords = await secure.stack.addUsers([caller]);
    expect(Object.keys(passwords)).toEqual([caller]);
    const config = await secure.configFor(caller);
    const a = createKafka(config, resolveEndpoints(config)).admin();
    await a.connect();
    // with no ACL yet, it may describe nothing: listTopics is filtered to what the principal may see
    expect(await a.listTopics()).toEqual([]);
    await a.disconnect();
  });
});
