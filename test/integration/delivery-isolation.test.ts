/**
 * One bad caller never holds up another, poison gets a fast answer, and sizes are honest:
 * - replies to a deleted topic and to an illegal topic name, mixed into 200 concurrent requests, go to the DLQ with
 *   their reasons while the others are answered as fast as without them (p99 compared with a clean run);
 * - a poison record with a bogus `kamf-method` header is answered -32700 within a second;
 * - a 10 MB answer reaches the caller as streamed artifact chunks; a request above the limit is refused before
 *   the executor runs (counted with the agent's own counter).
 */
import { randomUUID } from 'node:crypto';
import type { Message, StreamResponse, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { HEADERS, readHeaders } from '../../src/binding/protocol.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import type { A2AResponse } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { isKamfError } from '../../src/core/errors.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { p, readTopic } from '../support/delivery.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const name = `iso-${suffix}`;
const topics = { tasks: `a2a.tasks.${suffix}`, dlq: `a2a.dlq.${suffix}`, registry: `agent.registry.${suffix}` };
let mesh: MeshConnection;
let agent: RunningAgent;
let rt: KafkaClientRuntime;
const executor = new EchoExecutor();

const msg = (text: string, messageId = randomUUID()): Message => ({ messageId, contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });
const textOfTask = (t: Task) => t.artifacts.flatMap((a) => a.parts).map((x) => (x.content?.$case === 'text' ? x.content.value : '')).join('');

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  agent = await serveAgent({ config: testConfig(), mesh, name, description: 'echo', skills: [], executor, topics, partitions: 4 });
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
});
afterAll(async () => {
  await rt?.close();
  await agent?.stop(2000);
});

/** Produces one request record as any caller could, with headers of our choosing. */
async function rawRequest(headers: Record<string, string>, value: Buffer): Promise<void> {
  const producer = mesh.kafka.producer();
  await producer.connect();
  await producer.send({ topic: agentRequestTopic(name), messages: [{ key: randomUUID(), value, headers }] });
  await producer.disconnect();
}

async function sendMessageRecord(requestId: string, replyTo: string, text: string): Promise<Buffer> {
  return mesh.codec.encodeA2ARequest(agentRequestTopic(name), { requestId, method: 'SEND_MESSAGE', params: { tenant: '', message: msg(text), configuration: undefined, metadata: undefined } });
}

/** Waits for the final reply to `correlationId` on this client's reply topic. */
function awaitReply(correlationId: string, timeoutMs = 10_000): Promise<A2AResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no reply to ${correlationId} in ${timeoutMs} ms`))), timeoutMs);
    const off = rt.inbox.register(correlationId, {
      push: (r) => {
        if (!r.endOfStream) return;
        clearTimeout(timer);
        off();
        resolve(r);
      },
      fail: (e) => reject(e),
    });
  });
}

describe('isolation between callers', () => {
  it('replies to a deleted and to an illegal topic go to the DLQ; 198 other callers are not held up', { timeout: 120_000 }, async () => {
    const client = await rt.clientFactory().createFromAgentCard(kafkaAgentCard({ name, description: 'e', brokers: testConfig().kafka.brokers, skills: [] }));
    const timed = async (text: string) => {
      const t0 = performance.now();
      const task = (await client.sendMessage({ tenant: '', message: msg(text), configuration: undefined, metadata: undefined })) as Task;
      expect(textOfTask(task)).toBe(text);
      return performance.now() - t0;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => timed(`warm-up ${i}`)));
    const clean = await Promise.all(Array.from({ length: 200 }, (_, i) => timed(`clean ${i}`)));

    // a topic that existed and is gone (its caller closed), and a name Kafka refuses
    const deleted = `a2a.replies.gone-${suffix}`;
    await ensureTopics(mesh.kafka, [{ name: deleted, partitions: 1, compacted: false }]);
    const admin = mesh.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [deleted] });
    await admin.disconnect();
    const illegal = `a2a.replies.not a topic/${suffix}`;
    const bad = [
      { id: randomUUID(), topic: deleted, reason: 'missing-topic' },
      { id: randomUUID(), topic: illegal, reason: 'illegal-topic' },
    ];
    const mixed = Promise.all(Array.from({ length: 198 }, (_, i) => timed(`mixed ${i}`)));
    await Promise.all(
      bad.map(async (b, i) =>
        rawRequest(
          { [HEADERS.correlationId]: b.id, [HEADERS.replyTo]: b.topic, [HEADERS.method]: 'SEND_MESSAGE', [HEADERS.version]: '1.0' },
          await sendMessageRecord(b.id, b.topic, `bad ${i}`),
        ),
      ),
    );
    const others = await mixed;
    console.info(
      `isolation: p50/p99 of 200 clean callers ${p(clean, 50).toFixed(1)}/${p(clean, 99).toFixed(1)} ms; ` +
        `of 198 callers mixed with 2 undeliverable replies ${p(others, 50).toFixed(1)}/${p(others, 99).toFixed(1)} ms; ` +
        `added at p99 ${(p(others, 99) - p(clean, 99)).toFixed(1)} ms`,
    );
    expect(others).toHaveLength(198);
    // the stall this guards against was 9 to 13 s; what is left is scheduling noise on a shared 2-core machine
    expect(p(others, 99) - p(clean, 99)).toBeLessThan(250);

    let dead: Array<Record<string, string>> = [];
    for (let i = 0; i < 100 && dead.length < 2; i++) {
      dead = (await readTopic(mesh, topics.dlq)).map((m) => readHeaders(m.headers as Record<string, unknown>)).filter((h) => bad.some((b) => b.id === h[HEADERS.correlationId]));
      if (dead.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    for (const b of bad) {
      const h = dead.find((x) => x[HEADERS.correlationId] === b.id);
      expect(h?.[HEADERS.dlqCode], b.reason).toBe('A2A_REPLY_UNDELIVERABLE');
      expect(h?.[HEADERS.dlqReason]).toContain(b.reason);
      expect(h?.[HEADERS.dlqSinkTopic]).toBe(b.topic);
    }
  });

  it('a poison record with a bogus method header gets -32700 in under a second', async () => {
    const id = randomUUID();
    const reply = awaitReply(id, 5000);
    const t0 = Date.now();
    await rawRequest({ [HEADERS.correlationId]: id, [HEADERS.replyTo]: rt.inbox.topic, [HEADERS.method]: 'NOT_A_METHOD' }, Buffer.from('definitely not avro'));
    const r = await reply;
    const ms = Date.now() - t0;
    console.info(`poison with a bogus method header: -32700 after ${ms} ms`);
    expect(r.error?.code).toBe(-32700);
    expect(r.method).toBe('SEND_MESSAGE');
    expect(ms).toBeLessThan(1000);
  });
});

describe('honest sizes', () => {
  it('a 10 MB answer streams to the caller as artifact chunks', { timeout: 120_000 }, async () => {
    const client = await rt.clientFactory().createFromAgentCard(kafkaAgentCard({ name, description: 'e', brokers: testConfig().kafka.brokers, skills: [] }));
    const size = 10 * 1024 * 1024;
    const chunks: StreamResponse[] = [];
    let text = '';
    let final: number | undefined;
    for await (const ev of client.sendMessageStream({ tenant: '', message: msg(`big ${size}`), configuration: undefined, metadata: undefined })) {
      chunks.push(ev);
      const e = ev.payload;
      if (e?.$case === 'artifactUpdate' && e.value.artifact) {
        text = (e.value.append ? text : '') + e.value.artifact.parts.map((x) => (x.content?.$case === 'text' ? x.content.value : '')).join('');
      }
      if (e?.$case === 'statusUpdate') final = e.value.status?.state;
    }
    const artifactEvents = chunks.filter((c) => c.payload?.$case === 'artifactUpdate').length;
    console.info(`10 MB answer: ${artifactEvents} artifact chunks, ${text.length} bytes reassembled`);
    expect(final).toBe(3);
    expect(artifactEvents).toBeGreaterThan(1);
    expect(text.length).toBe(size);
    expect(text.slice(0, 32)).toBe('0123456789abcdef0123456789abcdef');
  });

  it('a request above the limit is refused before execution: by the client, and by the server for a raw record', async () => {
    const client = await rt.clientFactory().createFromAgentCard(kafkaAgentCard({ name, description: 'e', brokers: testConfig().kafka.brokers, skills: [] }));
    const big = 'x'.repeat(400_000);
    const byClient = msg(big);
    const err = await client.sendMessage({ tenant: '', message: byClient, configuration: undefined, metadata: undefined }).catch((e: unknown) => e);
    expect(isKamfError(err, 'A2A_REQUEST_TOO_LARGE')).toBe(true);

    const id = randomUUID();
    const value = await sendMessageRecord(id, rt.inbox.topic, 'y'.repeat(300_000));
    const reply = awaitReply(id);
    await rawRequest({ [HEADERS.correlationId]: id, [HEADERS.replyTo]: rt.inbox.topic, [HEADERS.method]: 'SEND_MESSAGE', [HEADERS.version]: '1.0' }, value);
    const r = await reply;
    expect(r.error?.code).toBe(-32600);
    expect(r.error?.message).toContain('too large');
    // neither request reached the executor
    const ran = [...executor.executions.keys()].filter((k) => k === byClient.messageId).length;
    expect(ran).toBe(0);
    expect(agent.server.stats.tooLarge).toBe(1);
  });
});
