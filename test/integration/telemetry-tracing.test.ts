/**
 * Trace context through the binding: the caller's send span, the agent's receive span (continued from the request's
 * traceparent header), its executor run, its reply and snapshots; and a second hop when the executor itself calls
 * another agent; and the HTTP gateway's server span, continued from a caller's `traceparent` header. Spans are
 * collected with the SDK's in-memory exporter.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message, Task } from '@a2a-js/sdk';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { ClientFactory, ClientFactoryOptions, type Client } from '@a2a-js/sdk/client';
import { GrpcTransportFactory } from '@a2a-js/sdk/client/grpc';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactEvent, statusEvent, taskEvent, textOf, textPart, TaskStates } from '../../src/agent-kit/events.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { startGateway, type Gateway } from '../../src/gateway/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { testConfig } from '../support/infra.js';
import { idOf, parentOf, startTestTracing, traceOf, type TestTracing } from '../support/otel.js';

const suffix = randomUUID().slice(0, 6);
const tasksTopic = `a2a.tasks.otel-${suffix}`;
const dlqTopic = `a2a.dlq.otel-${suffix}`;
const echoName = `otel-echo-${suffix}`;
const relayName = `otel-relay-${suffix}`;

let tracing: TestTracing;
let mesh: MeshConnection;
const servers: KafkaAgentServer[] = [];
const runtimes: KafkaClientRuntime[] = [];
let echoClient: Client;
let relayClient: Client;

const msg = (text: string): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });
const send = (c: Client, text: string) => c.sendMessage({ tenant: '', message: msg(text), configuration: undefined, metadata: undefined }) as Promise<Task | Message>;

/** Answers by asking the echo agent: the second hop of the trace starts inside this executor. */
class RelayExecutor implements AgentExecutor {
  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    bus.publish(taskEvent(ctx));
    const r = (await send(echoClient, textOf(ctx.userMessage))) as Task;
    const text = r.artifacts.flatMap((a) => a.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : ''))).join('');
    bus.publish(artifactEvent(ctx, { artifactId: 'relayed', parts: [textPart(text)] }));
    bus.publish(statusEvent(ctx, TaskStates.completed, text));
    bus.finished();
  }
  async cancelTask(): Promise<void> {}
}

async function clientFor(card: AgentCard): Promise<Client> {
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 15_000 });
  runtimes.push(rt);
  return rt.clientFactory().createFromAgentCard(card);
}

beforeAll(async () => {
  tracing = startTestTracing();
  mesh = connectMesh(testConfig());
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(echoName), partitions: 2, compacted: false },
    { name: agentRequestTopic(relayName), partitions: 2, compacted: false },
    { name: tasksTopic, partitions: 2, compacted: true },
    { name: dlqTopic, partitions: 1, compacted: false },
  ]);
  const brokers = testConfig().kafka.brokers;
  const echoCard = kafkaAgentCard({ name: echoName, description: 'echo', brokers, skills: [{ id: 'echo', name: 'Echo', description: 'echoes' }] });
  const relayCard = kafkaAgentCard({ name: relayName, description: 'relay', brokers, skills: [{ id: 'relay', name: 'Relay', description: 'asks echo' }] });
  for (const [name, card, executor] of [
    [echoName, echoCard, new EchoExecutor()],
    [relayName, relayCard, new RelayExecutor()],
  ] as const) {
    const s = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor, tasksTopic, dlqTopic, log: () => {} });
    await s.start();
    servers.push(s);
  }
  echoClient = await clientFor(echoCard);
  relayClient = await clientFor(relayCard);
}, 120_000);

afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
  await Promise.all(servers.map((s) => s.stop(2_000)));
  await tracing?.shutdown();
});

const inTrace = (spans: ReadableSpan[], traceId: string) => spans.filter((s) => traceOf(s) === traceId);
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((s) => parentOf(s) === idOf(parent));

describe('trace context through the Kafka binding', () => {
  it('continues the caller span: send → process → invoke_agent, with the reply and snapshots as children', async () => {
    const traceId = await trace.getTracer('test').startActiveSpan('caller', async (root) => {
      await send(echoClient, 'hello');
      root.end();
      return root.spanContext().traceId;
    });
    const spans = inTrace(
      await tracing.waitFor((all) => inTrace(all, traceId).filter((s) => s.name === `send ${tasksTopic}`).length >= 1 && inTrace(all, traceId).some((s) => s.name.startsWith('send a2a.replies'))),
      traceId,
    );
    const [sendSpan] = named(spans, `send ${agentRequestTopic(echoName)}`);
    expect(sendSpan, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(sendSpan!.kind).toBe(SpanKind.PRODUCER);
    expect(sendSpan!.attributes['messaging.system']).toBe('kafka');
    expect(sendSpan!.attributes['messaging.destination.name']).toBe(agentRequestTopic(echoName));
    const process = named(spans, `process ${agentRequestTopic(echoName)}`);
    expect(process).toHaveLength(1);
    expect(parentOf(process[0]!)).toBe(idOf(sendSpan!));
    expect(process[0]!.kind).toBe(SpanKind.CONSUMER);
    expect(process[0]!.parentSpanContext?.isRemote).toBe(true);
    const invoke = childrenOf(spans, process[0]!).filter((s) => s.name === `invoke_agent ${echoName}`);
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.attributes['gen_ai.operation.name']).toBe('invoke_agent');
    const replies = childrenOf(spans, process[0]!).filter((s) => s.name.startsWith('send a2a.replies'));
    expect(replies).toHaveLength(1);
    const snapshots = named(spans, `send ${tasksTopic}`);
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    for (const s of snapshots) expect([idOf(invoke[0]!), idOf(process[0]!)]).toContain(parentOf(s));
    // the caller's span holds the whole exchange
    const ns = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1];
    const ne = (s: ReadableSpan) => s.endTime[0] * 1e9 + s.endTime[1];
    // the SDK anchors each span's clock to Date.now() at its start: comparisons between spans carry up to 1 ms of skew
    const skew = 1e6;
    expect(ns(process[0]!)).toBeGreaterThanOrEqual(ns(sendSpan!) - skew);
    expect(ne(process[0]!)).toBeGreaterThanOrEqual(ns(replies[0]!) - skew);
    // the reply reaches the caller before its producer hears the broker's ack, so only its start is inside the send
    expect(ns(replies[0]!)).toBeLessThanOrEqual(ne(sendSpan!) + skew);
  });

  it('a second hop started inside an executor is a child of that executor run, in the same trace', async () => {
    const spansBefore = tracing.spans().length;
    await trace.getTracer('test').startActiveSpan('caller', async (root) => {
      await send(relayClient, 'two hops');
      root.end();
    });
    const chain = [
      `send ${agentRequestTopic(relayName)}`,
      `process ${agentRequestTopic(relayName)}`,
      `invoke_agent ${relayName}`,
      `send ${agentRequestTopic(echoName)}`,
      `process ${agentRequestTopic(echoName)}`,
      `invoke_agent ${echoName}`,
    ];
    // an executor run ends when its execute() returns, which may be just after its reply went out
    const all = await tracing.waitFor((s) => ['caller', ...chain].every((n) => s.slice(spansBefore).some((x) => x.name === n)));
    const root = named(all.slice(spansBefore), 'caller')[0]!;
    const spans = inTrace(all, traceOf(root));
    let parent = root;
    for (const name of chain) {
      const kids = childrenOf(spans, parent).filter((s) => s.name === name);
      expect(kids, `${name} under ${parent.name}; spans: ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
      parent = kids[0]!;
    }
  });
});

describe('trace context through the HTTP gateway', () => {
  const gwName = `otel-gw-${suffix}`;
  const registryTopic = `agent.registry.otel-${suffix}`;
  let agent: RunningAgent;
  let gateway: Gateway;

  beforeAll(async () => {
    const config = testConfig();
    agent = await serveAgent({ config, mesh, name: gwName, description: 'echo', partitions: 1, heartbeatMs: 500, skills: [{ id: 'echo', name: 'Echo', description: 'echoes' }], executor: new EchoExecutor(), topics: { tasks: tasksTopic, registry: registryTopic, dlq: dlqTopic } });
    gateway = await startGateway({ config, mesh, port: 0, grpcPort: 0, registryTopic });
    const until = Date.now() + 15_000;
    while (!gateway.agents.get(gwName)?.live && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await agent?.stop(2_000);
  });

  it('a JSON-RPC, an HTTP+JSON and a gRPC call each get a server span under the caller\'s traceparent, parent of the Kafka send', async () => {
    const base = `${gateway.url}/agents/${gwName}`;
    const hex = (n: number) => randomUUID().replaceAll('-', '').slice(0, n);
    const calls = [
      { binding: 'JSONRPC', url: `${base}/jsonrpc`, body: (text: string) => ({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text }] } } }) },
      { binding: 'HTTP+JSON', url: `${base}/rest/message:send`, body: (text: string) => ({ message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text }] } }) },
    ].map((c) => ({ ...c, traceId: hex(32), callerSpanId: hex(16) }));
    // gRPC through the SDK's own client: the traceparent goes as call metadata
    const grpc = { binding: 'GRPC', traceId: hex(32), callerSpanId: hex(16) };
    const grpcClient = await new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new GrpcTransportFactory()], preferredTransports: ['GRPC'] })).createFromUrl(`${base}/`);
    const grpcAnswer = grpcClient.sendMessage({ tenant: '', message: msg('via GRPC'), configuration: undefined, metadata: undefined }, { serviceParameters: { traceparent: `00-${grpc.traceId}-${grpc.callerSpanId}-01` } });
    const responses = await Promise.all(
      calls.map((c) =>
        fetch(c.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'a2a-version': '1.0', traceparent: `00-${c.traceId}-${c.callerSpanId}-01` },
          body: JSON.stringify(c.body(`via ${c.binding}`)),
        }),
      ),
    );
    for (const r of responses) expect(r.status, await r.clone().text()).toBeLessThan(300);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(bodies[0]).toContain('via JSONRPC');
    expect(bodies[1]).toContain('via HTTP+JSON');
    expect(JSON.stringify(await grpcAnswer)).toContain('via GRPC');

    const topic = agentRequestTopic(gwName);
    const all = await tracing.waitFor((s) => [...calls, grpc].every((c) => inTrace(s, c.traceId).some((x) => x.name === `process ${topic}`) && inTrace(s, c.traceId).some((x) => x.name.endsWith('/SendMessage'))));
    for (const c of [...calls, grpc]) {
      const spans = inTrace(all, c.traceId);
      const names = spans.map((s) => s.name).join(', ');
      const edge = named(spans, 'lf.a2a.v1.A2AService/SendMessage');
      expect(edge, names).toHaveLength(1);
      expect(edge[0]!.kind).toBe(SpanKind.SERVER);
      expect(parentOf(edge[0]!)).toBe(c.callerSpanId);
      expect(edge[0]!.parentSpanContext?.isRemote).toBe(true);
      expect(edge[0]!.attributes).toMatchObject({
        'rpc.system': ({ JSONRPC: 'jsonrpc', 'HTTP+JSON': 'a2a', GRPC: 'grpc' } as Record<string, string>)[c.binding],
        'rpc.service': 'lf.a2a.v1.A2AService',
        'rpc.method': 'SendMessage',
        'a2a.protocol.binding': c.binding,
        'gen_ai.agent.name': gwName,
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
      });
      const send = childrenOf(spans, edge[0]!).filter((s) => s.name === `send ${topic}`);
      expect(send, names).toHaveLength(1);
      expect(send[0]!.kind).toBe(SpanKind.PRODUCER);
      const process = childrenOf(spans, send[0]!).filter((s) => s.name === `process ${topic}`);
      expect(process, names).toHaveLength(1);
    }
  });
});
