/**
 * An HTTP-only A2A agent (the SDK's own Express server, no Kafka in it) joins the mesh through the bridge, and a
 * Kafka caller reaches it through the same client API as any KAMF agent: card from agent.registry, the SDK's Client
 * over the Kafka binding, every call relayed over real HTTP to the agent; with tracing on, the HTTP call carries the
 * trace context of the bridge's span that handles the Kafka request.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentCard, Message, StreamResponse, Task } from '@a2a-js/sdk';
import { trace } from '@opentelemetry/api';
import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { UserBuilder, agentCardHandler, jsonRpcHandler } from '@a2a-js/sdk/server/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { textPart } from '../../src/agent-kit/index.js';
import { AgentDirectory, KafkaClientRuntime, connectMesh, type MeshConnection, type RunningAgent } from '../../src/binding/index.js';
import { ensureTopics } from '../../src/core/index.js';
import { bridgeHttpAgent } from '../../src/gateway/index.js';
import { testConfig } from '../support/infra.js';
import { idOf, startTestTracing, traceOf, type TestTracing } from '../support/otel.js';

const id = randomUUID().slice(0, 8);
const topics = { tasks: `test.http-bridge.tasks.${id}`, registry: `test.http-bridge.registry.${id}`, dlq: `test.http-bridge.dlq.${id}` };
const executor = new EchoExecutor();
let server: Server;
let httpCalls = 0;
/** The traceparent of every call that reached the HTTP agent. */
const inboundTraceparents: Array<string | undefined> = [];
let tracing: TestTracing;
let bridge: RunningAgent;
let mesh: MeshConnection;
let directory: AgentDirectory;
let runtime: KafkaClientRuntime;

const message = (text: string, extra: Partial<Message> = {}): Message => ({
  messageId: randomUUID(),
  contextId: '',
  taskId: '',
  role: 1,
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
  ...extra,
});

beforeAll(async () => {
  tracing = startTestTracing();
  const card: AgentCard = {
    name: `HTTP Echo ${id}`,
    description: 'An A2A agent that only speaks JSON-RPC over HTTP',
    version: '1.0.0',
    supportedInterfaces: [],
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'Echo', description: 'Repeats the text', tags: ['echo'], examples: ['hello'], inputModes: [], outputModes: [], securityRequirements: [] }],
    securitySchemes: {},
    securityRequirements: [],
    signatures: [],
  } as unknown as AgentCard;
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  const app = express();
  app.use((_req, _res, next) => {
    httpCalls++; // every call the bridge makes reaches this real HTTP server
    inboundTraceparents.push(_req.header('traceparent'));
    next();
  });
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use('/jsonrpc', express.json(), jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  card.supportedInterfaces.push({ url: `${base}/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' });

  const config = testConfig();
  mesh = connectMesh(config);
  await ensureTopics(mesh.kafka, [
    { name: topics.registry, partitions: 1, compacted: true },
    { name: topics.tasks, partitions: 1, compacted: true },
  ]);
  bridge = await bridgeHttpAgent({ config, url: base, mesh, topics, heartbeatMs: 1000 });
  directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, topic: topics.registry, logger: { warn: () => {} } });
  await directory.start();
  runtime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 30_000 });
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await directory?.stop();
  await bridge?.stop(2000);
  await new Promise((r) => server?.close(r));
  await tracing?.shutdown();
});

describe('an HTTP-only agent on the mesh', () => {
  it('is announced in agent.registry under a mesh name, with the Kafka interface first and its HTTP one kept', async () => {
    expect(bridge.name).toBe(`http-echo-${id}`);
    const live = await directory.waitFor(bridge.name, { timeoutMs: 20_000 });
    expect(live.card.supportedInterfaces[0]!.protocolBinding).toMatch(/kafka/i);
    expect(live.card.supportedInterfaces.map((i) => i.protocolBinding)).toContain('JSONRPC');
    expect(live.card.skills.map((s) => s.id)).toEqual(['echo']);
  });

  it('answers a Kafka caller: SendMessage, multi-turn, GetTask, streaming, SubscribeToTask, all relayed over HTTP', async () => {
    const { card } = await directory.waitFor(bridge.name, { timeoutMs: 20_000 });
    const client = await runtime.clientFactory().createFromAgentCard(card);
    const before = httpCalls;
    const executionsBefore = [...executor.executions.values()].reduce((a, b) => a + b, 0);

    const task = (await client.sendMessage({ tenant: '', message: message('hello from Kafka'), configuration: undefined, metadata: undefined })) as Task;
    expect(task.status?.state).toBe(3);
    expect(task.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'hello from Kafka' });

    // multi-turn: INPUT_REQUIRED, then the answer in the same task
    const asked = (await client.sendMessage({ tenant: '', message: message('greet'), configuration: undefined, metadata: undefined })) as Task;
    expect(asked.status?.state).toBe(6);
    const greeted = (await client.sendMessage({ tenant: '', message: message('Ada', { taskId: asked.id, contextId: asked.contextId }), configuration: undefined, metadata: undefined })) as Task;
    expect(greeted.id).toBe(asked.id);
    expect(greeted.status?.state).toBe(3);

    const got = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(got.id).toBe(task.id);
    expect(got.status?.state).toBe(3);

    const events: StreamResponse[] = [];
    for await (const ev of client.sendMessageStream({ tenant: '', message: message('chunks 4'), configuration: undefined, metadata: undefined })) events.push(ev);
    const chunks = events.filter((e) => e.payload?.$case === 'artifactUpdate');
    expect(chunks).toHaveLength(4);
    const last = events[events.length - 1]!;
    expect(last.payload?.$case === 'statusUpdate' && last.payload.value.status?.state).toBe(3);

    // SubscribeToTask while the task runs: a second stream follows it to its end; on a finished task, the agent's error
    const running = client.sendMessageStream({ tenant: '', message: message('chunks 30'), configuration: undefined, metadata: undefined });
    const first = (await running.next()).value as StreamResponse;
    const runningId = first.payload?.$case === 'task' ? first.payload.value.id : '';
    expect(runningId).not.toBe('');
    const followed: StreamResponse[] = [];
    const following = (async () => {
      for await (const ev of client.resubscribeTask({ tenant: '', id: runningId })) followed.push(ev);
    })();
    for await (const _ of running) void _;
    await following;
    const end = followed[followed.length - 1]!;
    expect(end.payload?.$case === 'statusUpdate' && end.payload.value.status?.state).toBe(3);
    await expect(async () => {
      for await (const _ of client.resubscribeTask({ tenant: '', id: greeted.id })) void _;
    }).rejects.toMatchObject({ name: 'UnsupportedOperationError' });

    // every call went over HTTP to the agent, and the agent ran each message once
    expect(httpCalls - before).toBeGreaterThanOrEqual(6);
    expect([...executor.executions.values()].reduce((a, b) => a + b, 0) - executionsBefore).toBe(5);
  });

  it("passes the agent's errors through as A2A errors", async () => {
    const { card } = await directory.waitFor(bridge.name, { timeoutMs: 20_000 });
    const client = await runtime.clientFactory().createFromAgentCard(card);
    await expect(client.getTask({ tenant: '', id: 'no-such-task', historyLength: undefined })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
  });

  it("continues the trace over HTTP: the agent's call is a child of the bridge's process span", async () => {
    const { card } = await directory.waitFor(bridge.name, { timeoutMs: 20_000 });
    const client = await runtime.clientFactory().createFromAgentCard(card);
    const from = inboundTraceparents.length;
    const traceId = await trace.getTracer('test').startActiveSpan('caller', async (root) => {
      await client.sendMessage({ tenant: '', message: message('traced'), configuration: undefined, metadata: undefined });
      root.end();
      return root.spanContext().traceId;
    });
    const processName = `process agent.${bridge.name}.requests`;
    const spans = await tracing.waitFor((all) => all.some((s) => traceOf(s) === traceId && s.name === processName));
    const process = spans.filter((s) => traceOf(s) === traceId && s.name === processName);
    expect(process, spans.map((s) => s.name).join(', ')).toHaveLength(1);
    const inbound = inboundTraceparents.slice(from).filter((t) => t !== undefined);
    expect(inbound).toEqual([`00-${traceId}-${idOf(process[0]!)}-01`]);
  });
});
