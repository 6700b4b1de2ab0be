/**
 * The binding on a secured broker (SASL/SCRAM over TLS, StandardAuthorizer), every party its own principal with the
 * ACLs `kamf acl` derives: an agent that verifies bearer JWTs and signs its card, a caller, and a forger that may
 * write to agent.registry like any agent. Checked: forged and unsigned cards are never offered nor called; requests
 * without a valid token are refused with -32040; a user's tasks are invisible to another user through GetTask,
 * ListTasks, SubscribeToTask and CancelTask; a request whose reply address is not a reply topic is refused and
 * dead-lettered with the reason.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AgentCard, Message, Task } from '@a2a-js/sdk';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { SignJWT } from 'jose';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { HEADERS, readHeaders } from '../../src/binding/protocol.js';
import { AgentDirectory, AgentPublisher, KafkaAgentCardResolver } from '../../src/binding/registry/index.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { kafkaAgentCard } from '../../src/binding/card.js';
import { ensureTopics } from '../../src/core/admin.js';
import { TOPICS, agentRequestTopic } from '../../src/core/topics.js';
import { applyAcls, bearerJwtVerifier, callerInstanceId, deriveAcls, signCard } from '../../src/security/index.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { readTopic } from '../support/delivery.js';
import { startSecureStack, type SecureTestStack } from '../support/secure-stack.js';

const suffix = randomUUID().slice(0, 6);
const agent = `vault${suffix}`;
const caller = `caller${suffix}`;
const forger = `forger${suffix}`;
const audience = `agent:${agent}`;
const meshKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const forgerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const trustedKeys = { 'mesh-1': meshKey.publicKey };
const executor = new EchoExecutor();

let secure: SecureTestStack;
let adminMesh: MeshConnection;
let callerMesh: MeshConnection;
let forgerMesh: MeshConnection;
let running: RunningAgent;
let rt: KafkaClientRuntime;
let directory: AgentDirectory;
const forgedPublishers: AgentPublisher[] = [];

const token = (sub: string, exp = Math.floor(Date.now() / 1000) + 300) =>
  new SignJWT({ sub, aud: audience, exp }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).sign(idpKey.privateKey);
const msg = (text: string): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });

async function grant(kafka: Kafka, ...acls: Parameters<typeof deriveAcls>[0][]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const a of acls) await applyAcls(admin, deriveAcls(a));
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  secure = await startSecureStack({ users: [agent, caller, forger], registry: true });
  adminMesh = connectMesh(await secure.configFor());
  await ensureTopics(adminMesh.kafka, [
    { name: agentRequestTopic(agent), partitions: 1, compacted: false },
    { name: TOPICS.tasks.name, partitions: 1, compacted: true },
    { name: TOPICS.dlq.name, partitions: 1, compacted: false },
    { name: TOPICS.registry.name, partitions: 1, compacted: true },
  ]);
  await grant(adminMesh.kafka, { agent, role: 'agent', lanes: [''] }, { agent: caller, role: 'caller' }, { agent: forger, role: 'agent', lanes: [''] });

  running = await serveAgent({
    config: await secure.configFor(agent),
    name: agent,
    description: 'keeps secrets',
    skills: [{ id: 'echo', name: 'Echo', description: 'echoes' }],
    executor,
    lanes: [''],
    partitions: 1,
    heartbeatMs: 1000,
    verifier: bearerJwtVerifier({ keys: { 'idp-1': idpKey.publicKey }, audience }),
    signingKey: { privateKey: meshKey.privateKey, kid: 'mesh-1' },
  });

  forgerMesh = connectMesh(await secure.configFor(forger));
  callerMesh = connectMesh(await secure.configFor(caller));
  rt = await KafkaClientRuntime.start(callerMesh.kafka, callerMesh.codec, { instanceId: callerInstanceId(caller, suffix), timeoutMs: 20_000, retries: 0 });
  directory = new AgentDirectory({
    connection: { kafka: callerMesh.kafka, codec: callerMesh.codec },
    groupId: `kamf-directory-${caller}.${suffix}`,
    cardPolicy: { trustedKeys },
  });
  await directory.start();
  await directory.waitFor(agent, { timeoutMs: 30_000 });
}, 300_000);

afterAll(async () => {
  for (const p of forgedPublishers) await p.stop().catch(() => {});
  await directory?.stop();
  await rt?.close();
  await running?.stop(2000);
  await secure?.stop();
});

/** Publishes a card as the forger principal (which may write agent.registry, like every agent). */
async function publishAsForger(agentName: string, card: AgentCard): Promise<void> {
  const p = new AgentPublisher({ connection: { kafka: forgerMesh.kafka, codec: forgerMesh.codec }, agentName, card, instanceId: `forged-${randomUUID().slice(0, 8)}`, heartbeatMs: 1000 });
  await p.start();
  forgedPublishers.push(p);
}

describe('signed Agent Cards', () => {
  it('the agent publishes a signed card that declares its bearer scheme, and the directory offers it', () => {
    const live = directory.get(agent)!;
    expect(live.instances).toHaveLength(1);
    expect(live.card.signatures).toHaveLength(1);
    expect(live.card.securitySchemes.bearer?.scheme?.$case).toBe('httpAuthSecurityScheme');
    expect(live.card.securityRequirements).toEqual([{ schemes: { bearer: { list: [] } } }]);
  });

  it('forged and unsigned cards published to agent.registry are not offered, and a client refuses to call them', async () => {
    const poisoned = directory.stats.untrustedCards;
    const fake = (name: string) => kafkaAgentCard({ name, description: 'trust me', brokers: secure.brokers, skills: [] });
    const unsigned = `unsigned${suffix}`;
    const wrongKey = `forged${suffix}`;
    await publishAsForger(unsigned, fake(unsigned));
    await publishAsForger(wrongKey, await signCard(fake(wrongKey), { privateKey: forgerKey.privateKey, kid: 'mesh-1' }));
    // a forged instance of the real agent, pointing callers at a topic the forger reads
    const hijack = { ...(await signCard(fake(agent), { privateKey: forgerKey.privateKey, kid: 'mesh-1' })) };
    await publishAsForger(agent, hijack);
    // a plain directory (no policy) sees all three: they did reach agent.registry
    const plain = new AgentDirectory({ connection: { kafka: callerMesh.kafka, codec: callerMesh.codec }, groupId: `kamf-directory-${caller}.plain${suffix}` });
    await plain.start();
    try {
      await plain.waitFor(wrongKey, { timeoutMs: 15_000 });
      await plain.waitFor(unsigned, { timeoutMs: 15_000 });
      expect(plain.get(agent)?.instances).toHaveLength(2);
      // the verifying directory read them too, and offers none of them
      await until(() => directory.stats.untrustedCards >= poisoned + 3);
      expect(directory.get(unsigned)).toBeUndefined();
      expect(directory.get(wrongKey)).toBeUndefined();
      expect(directory.get(agent)?.instances).toHaveLength(1);
      // a client resolving through the verifying directory never finds them
      const resolver = new KafkaAgentCardResolver({ directory, timeoutMs: 1000, cardPolicy: { trustedKeys } });
      await expect(resolver.resolve(`agent://${wrongKey}`)).rejects.toMatchObject({ code: 'REGISTRY_AGENT_NOT_FOUND' });
      // and a client whose directory does not verify still refuses the card before calling
      const careless = new KafkaAgentCardResolver({ directory: plain, timeoutMs: 1000, cardPolicy: { trustedKeys } });
      await expect(careless.resolve(`agent://${wrongKey}`)).rejects.toMatchObject({ code: 'A2A_CARD_UNTRUSTED' });
      await expect(careless.resolve(`agent://${unsigned}`)).rejects.toMatchObject({ code: 'A2A_CARD_UNTRUSTED' });
      await expect(rt.clientFactory(careless).createFromUrl(`agent://${wrongKey}`)).rejects.toMatchObject({ code: 'A2A_CARD_UNTRUSTED' });
    } finally {
      await plain.stop();
    }
  });

  it('a client calls the agent of the valid signed card', async () => {
    const resolver = new KafkaAgentCardResolver({ directory, cardPolicy: { trustedKeys } });
    const client = await rt.clientFactory(resolver).createFromUrl(`agent://${agent}`);
    const result = (await client.sendMessage({ tenant: '', message: msg('signed hello'), configuration: undefined, metadata: undefined }, { serviceParameters: { authorization: `Bearer ${await token('alice')}` } })) as Task;
    expect(result.status?.state).toBe(3);
  });
});

describe('verified callers', () => {
  const transport = () => rt.transportTo(agentRequestTopic(agent), running.card);
  const as = async (user: string) => ({ serviceParameters: { authorization: `Bearer ${await token(user)}` } });
  const code = (e: unknown) => (e as { envelopeCode?: number; code?: number }).envelopeCode ?? (e as { code?: number }).code;

  it('refuses a request without a token, with an expired token, or with a token for another audience (-32040)', async () => {
    const before = executor.executions.size;
    const other = await new SignJWT({ sub: 'alice', aud: 'agent:other', exp: Math.floor(Date.now() / 1000) + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).sign(idpKey.privateKey);
    const attempts = [undefined, `Bearer ${await token('alice', Math.floor(Date.now() / 1000) - 600)}`, `Bearer ${other}`, 'Bearer not-a-jwt'];
    for (const authorization of attempts) {
      const err = await transport()
        .sendMessage({ tenant: '', message: msg('let me in'), configuration: undefined, metadata: undefined }, authorization ? { serviceParameters: { authorization } } : undefined)
        .catch((e: unknown) => e);
      expect(code(err), String(authorization?.slice(0, 12))).toBe(-32040);
      expect(String((err as Error).message)).toMatch(/Unauthenticated/);
    }
    expect(executor.executions.size).toBe(before);
  });

  it("a user's tasks are invisible to another user through GetTask, ListTasks, SubscribeToTask and CancelTask", async () => {
    const t = transport();
    const alice = await as('alice');
    const bob = await as('bob');
    // waiting for input: a task that is still open, so cancel and subscribe have something to act on
    const task = (await t.sendMessage({ tenant: '', message: msg('greet'), configuration: undefined, metadata: undefined }, alice)) as Task;
    expect(task.status?.state).toBe(6);

    expect((await t.getTask({ id: task.id, tenant: '', historyLength: undefined }, alice)).id).toBe(task.id);
    await expect(t.getTask({ id: task.id, tenant: '', historyLength: undefined }, bob)).rejects.toBeInstanceOf(TaskNotFoundError);

    const list = (opts: typeof alice) => t.listTasks({ tenant: '', contextId: '', status: 0, pageSize: 100, pageToken: '', historyLength: undefined, statusTimestampAfter: undefined, includeArtifacts: false } as never, opts);
    expect((await list(alice)).tasks.map((x) => x.id)).toContain(task.id);
    expect((await list(bob)).tasks.map((x) => x.id)).not.toContain(task.id);

    const subscribeAsBob = async () => {
      for await (const _ of t.resubscribeTask({ id: task.id, tenant: '' }, bob)) void _;
    };
    await expect(subscribeAsBob()).rejects.toBeInstanceOf(TaskNotFoundError);

    await expect(t.cancelTask({ id: task.id, tenant: '', metadata: undefined }, bob)).rejects.toBeInstanceOf(TaskNotFoundError);
    // bob's cancel changed nothing: the task is still open for its owner
    expect((await t.getTask({ id: task.id, tenant: '', historyLength: undefined }, alice)).status?.state).toBe(6);
  });
});

describe('kamf-reply-to', () => {
  it('a request whose reply address is not a reply topic is refused, dead-lettered with the reason, and never runs', async () => {
    const correlationId = randomUUID();
    const message = msg('write my answer into the task store');
    const value = await callerMesh.codec.encodeA2ARequest(agentRequestTopic(agent), { requestId: correlationId, method: 'SEND_MESSAGE', params: { tenant: '', message, configuration: undefined, metadata: undefined } });
    const producer = callerMesh.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: agentRequestTopic(agent),
      messages: [{ key: correlationId, value, headers: { [HEADERS.correlationId]: correlationId, [HEADERS.replyTo]: TOPICS.tasks.name, [HEADERS.method]: 'SEND_MESSAGE', [HEADERS.version]: '1.0', authorization: `Bearer ${await token('alice')}` } }],
    });
    await producer.disconnect();

    let dead: Record<string, string> | undefined;
    await until(async () => {
      const records = await readTopic(adminMesh, TOPICS.dlq.name);
      dead = records.map((r) => readHeaders(r.headers as Record<string, unknown>)).find((h) => h[HEADERS.correlationId] === correlationId);
      return dead !== undefined;
    });
    expect(dead![HEADERS.dlqCode]).toBe('A2A_REPLY_TO_REFUSED');
    expect(dead![HEADERS.dlqReason]).toMatch(/kamf-reply-to "a2a\.tasks" is not a reply topic/);
    expect(dead![HEADERS.dlqTopic]).toBe(agentRequestTopic(agent));
    expect(executor.executions.get(message.messageId)).toBeUndefined();
    // and nothing was written to the topic it named
    const tasks = await readTopic(adminMesh, TOPICS.tasks.name);
    expect(tasks.filter((r) => r.key?.toString() === correlationId || readHeaders(r.headers as Record<string, unknown>)[HEADERS.correlationId] === correlationId)).toHaveLength(0);
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
