/**
 * The HTTP gateway driven by the SDK's own clients (ClientFactory with its JSON-RPC, HTTP+JSON and gRPC transports)
 * through real HTTP and gRPC, in front of agents that live on Kafka: every operation, streaming, multi-turn, cancel
 * from a second client, resubscribe, errors; cards and registry following; identity; limits; disconnect cleanup.
 */
import { randomUUID } from 'node:crypto';
import type { Message, StreamResponse, Task } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, RestTransportFactory, type Client } from '@a2a-js/sdk/client';
import { GrpcTransportFactory } from '@a2a-js/sdk/client/grpc';
import { TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { textPart } from '../../src/agent-kit/events.js';
import { UnauthenticatedError, connectMesh, serveAgent, type MeshConnection, type RunningAgent } from '../../src/binding/index.js';
import { startGateway, type Gateway } from '../../src/gateway/index.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const topics = { tasks: `a2a.tasks.gw${suffix}`, registry: `agent.registry.gw${suffix}` };
const names = { echo: `gw-echo-${suffix}`, slow: `gw-slow-${suffix}`, authed: `gw-auth-${suffix}`, late: `gw-late-${suffix}` };
const TOKENS: Record<string, string> = { 'Bearer alice': 'alice', 'Bearer bob': 'bob' };
let mesh: MeshConnection;
let gateway: Gateway;
const agents: RunningAgent[] = [];

const msg = (text: string, extra: Partial<Message> = {}): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [], ...extra });
const send = (text: string, extra: Partial<Message> = {}, configuration?: { returnImmediately: boolean }) => ({
  tenant: '',
  message: msg(text, extra),
  configuration: configuration ? { acceptedOutputModes: [], taskPushNotificationConfig: undefined, historyLength: undefined, returnImmediately: configuration.returnImmediately } : undefined,
  metadata: undefined,
});
const stateOf = (e: StreamResponse) => (e.payload?.$case === 'task' ? e.payload.value.status?.state : e.payload?.$case === 'statusUpdate' ? e.payload.value.status?.state : undefined);

async function waitUntil(ok: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const BINDINGS = ['JSONRPC', 'HTTP+JSON', 'GRPC'] as const;
function factory(binding: string): ClientFactory {
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory(), new RestTransportFactory(), new GrpcTransportFactory()],
      preferredTransports: [binding],
    }),
  );
}
const clientFor = (binding: string, agent: string): Promise<Client> => factory(binding).createFromUrl(`${gateway.url}/agents/${agent}/`);

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  const common = { config, mesh, partitions: 2, heartbeatMs: 500, topics: { tasks: topics.tasks, registry: topics.registry } };
  agents.push(
    await serveAgent({ ...common, name: names.echo, description: 'echo', skills: [{ id: 'echo', name: 'Echo', description: 'echo' }], executor: new EchoExecutor() }),
    await serveAgent({ ...common, name: names.slow, description: 'slow', skills: [{ id: 'work', name: 'Work', description: 'works' }], executor: new SlowExecutor() }),
    await serveAgent({
      ...common,
      name: names.authed,
      description: 'per-user tasks',
      skills: [{ id: 'echo', name: 'Echo', description: 'echo' }],
      executor: new EchoExecutor(),
      authenticate: (headers) => {
        const userName = TOKENS[headers.authorization ?? ''];
        if (!userName) throw new UnauthenticatedError();
        return { isAuthenticated: true, userName };
      },
    }),
  );
  gateway = await startGateway({ config, mesh, port: 0, grpcPort: 0, registryTopic: topics.registry, defaultAgent: names.echo, limits: { maxStreamsPerCaller: 4 } });
  await waitUntil(() => [names.echo, names.slow, names.authed].every((n) => gateway.agents.get(n)?.live), 'the agents in the gateway');
});

afterAll(async () => {
  await gateway?.close();
  for (const a of agents) await a.stop(1000).catch(() => {});
});

describe('cards and discovery', () => {
  it('lists the agents and serves each card with the gateway interfaces, caching headers and conditional GETs', async () => {
    const list = (await (await fetch(`${gateway.url}/.well-known/agents`)).json()) as { agents: Array<{ name: string; live: boolean }> };
    expect(list.agents.filter((a) => Object.values(names).includes(a.name)).map((a) => a.name).sort()).toEqual([names.authed, names.echo, names.slow].sort());

    const res = await fetch(`${gateway.url}/agents/${names.echo}/.well-known/agent-card.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const lastModified = res.headers.get('last-modified');
    expect(lastModified).toBeTruthy();
    const card = (await res.json()) as { name: string; supportedInterfaces: Array<{ url: string; protocolBinding: string; protocolVersion: string; tenant?: string }> };
    expect(card.supportedInterfaces.map((i) => i.protocolBinding)).toEqual(['JSONRPC', 'HTTP+JSON', 'GRPC', 'https://kamf.dev/a2a/bindings/kafka/v1']);
    expect(card.supportedInterfaces.slice(0, 3).every((i) => i.protocolVersion === '1.0')).toBe(true);
    expect(card.supportedInterfaces[0]!.url).toBe(`${gateway.url}/agents/${names.echo}/jsonrpc`);
    expect(card.supportedInterfaces[2]!.tenant).toBe(names.echo);

    const etag = res.headers.get('etag')!;
    expect((await fetch(`${gateway.url}/agents/${names.echo}/.well-known/agent-card.json`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${gateway.url}/agents/${names.echo}/.well-known/agent-card.json`, { headers: { 'if-modified-since': lastModified! } })).status).toBe(304);

    // the default agent also answers at the root
    const root = (await (await fetch(`${gateway.url}/.well-known/agent-card.json`)).json()) as typeof card;
    expect(root.name).toBe(card.name);
    expect(root.supportedInterfaces[0]!.url).toBe(`${gateway.url}/jsonrpc`);

    // an unknown agent is 404 on every path
    expect((await fetch(`${gateway.url}/agents/nobody-${suffix}/.well-known/agent-card.json`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/agents/nobody-${suffix}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
  });

  it('follows the registry: an agent that joins is served, a card change shows, one that leaves fails at once', async () => {
    const late = await serveAgent({ config: testConfig(), mesh, name: names.late, description: 'v1', partitions: 1, heartbeatMs: 500, skills: [], executor: new EchoExecutor(), topics: { tasks: topics.tasks, registry: topics.registry } });
    await waitUntil(() => gateway.agents.get(names.late)?.live === true, 'the late agent');
    const client = await clientFor('HTTP+JSON', names.late);
    expect(((await client.sendMessage(send('hello late'))) as Task).status?.state).toBe(3);

    await late.updateCard({ ...late.card, description: 'v2' });
    await waitUntil(() => gateway.agents.get(names.late)?.card.description === 'v2', 'the card change');
    const card = (await (await fetch(`${gateway.url}/agents/${names.late}/.well-known/agent-card.json`)).json()) as { description: string };
    expect(card.description).toBe('v2');

    await late.stop(500);
    await waitUntil(() => gateway.agents.get(names.late)?.live === false, 'the agent to leave');
    const before = gateway.stats.refused.unavailable;
    const rest = await fetch(`${gateway.url}/agents/${names.late}/rest/tasks/x`, { headers: { 'a2a-version': '1.0' } });
    expect(rest.status).toBe(503);
    expect(((await rest.json()) as { error: { status: string } }).error.status).toBe('UNAVAILABLE');
    const err = await client.sendMessage(send('anyone?')).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/no live instance/);
    expect(gateway.stats.refused.unavailable - before).toBe(2); // answered by the gateway, not by a timeout
  });
});

describe.each(BINDINGS)('the SDK client over %s', (binding) => {
  it('sends, gets, lists, and answers with a Message', async () => {
    const client = await clientFor(binding, names.echo);
    const task = (await client.sendMessage(send(`hello over ${binding}`))) as Task;
    expect(task.status?.state).toBe(3);
    expect(task.artifacts[0]!.parts[0]!.content).toEqual({ $case: 'text', value: `hello over ${binding}` });
    const got = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(got.id).toBe(task.id);
    const listed = await client.listTasks({ tenant: '', contextId: task.contextId, status: 0, pageSize: undefined, pageToken: '', historyLength: undefined, statusTimestampAfter: undefined, includeArtifacts: false });
    expect(listed.tasks.map((t) => t.id)).toEqual([task.id]);
    const direct = (await client.sendMessage(send('message'))) as Message;
    expect(direct.messageId).toBeTruthy();
    expect(direct.parts[0]!.content).toEqual({ $case: 'text', value: 'just a message' });
  });

  it('keeps a multi-turn conversation (INPUT_REQUIRED, then the answer in the same task)', async () => {
    const client = await clientFor(binding, names.echo);
    const first = (await client.sendMessage(send('greet'))) as Task;
    expect(first.status?.state).toBe(6);
    const second = (await client.sendMessage(send('Ada', { taskId: first.id, contextId: first.contextId }))) as Task;
    expect(second.id).toBe(first.id);
    expect(second.status?.state).toBe(3);
    expect(second.artifacts.at(-1)!.parts[0]!.content).toEqual({ $case: 'text', value: 'Hello, Ada!' });
  });

  it('streams every event in order, then ends', async () => {
    const client = await clientFor(binding, names.echo);
    const events: StreamResponse[] = [];
    for await (const e of client.sendMessageStream(send('chunks 4'))) events.push(e);
    const chunks = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value] : []));
    expect(chunks.map((c) => (c.artifact?.parts[0]?.content as { value: string }).value)).toEqual(['chunk-0;', 'chunk-1;', 'chunk-2;', 'chunk-3;']);
    expect(chunks.map((c) => [c.append, c.lastChunk])).toEqual([[false, false], [true, false], [true, false], [true, true]]);
    expect(stateOf(events.at(-1)!)).toBe(3);
  });

  it('cancels from a second client while the first streams, and resubscribes to a running task', async () => {
    const a = await clientFor(binding, names.slow);
    const b = await clientFor(binding, names.slow);
    const stream = a.sendMessageStream(send('work 20000'));
    const first = await stream.next();
    const taskId = first.value!.payload?.$case === 'task' ? first.value!.payload.value.id : (first.value!.payload?.value as { taskId: string }).taskId;

    // a third look at the same task, from its current state on
    const resubscribed = b.resubscribeTask({ tenant: '', id: taskId });
    const firstSeen = await resubscribed.next();
    expect(firstSeen.value!.payload?.$case).toBe('task');

    const canceled = await b.cancelTask({ tenant: '', id: taskId, metadata: undefined });
    expect(canceled.status?.state).toBe(5);
    const rest: StreamResponse[] = [];
    for await (const e of { [Symbol.asyncIterator]: () => stream }) rest.push(e);
    expect(stateOf(rest.at(-1)!)).toBe(5);
    const resubRest: StreamResponse[] = [];
    for await (const e of { [Symbol.asyncIterator]: () => resubscribed }) resubRest.push(e);
    expect(stateOf(resubRest.at(-1)!)).toBe(5);
  });

  it('maps A2A errors to the binding: not found, not cancelable, subscribe to a finished task', async () => {
    const client = await clientFor(binding, names.echo);
    await expect(client.getTask({ tenant: '', id: `missing-${randomUUID()}`, historyLength: undefined })).rejects.toBeInstanceOf(TaskNotFoundError);
    const done = (await client.sendMessage(send('done'))) as Task;
    await expect(client.cancelTask({ tenant: '', id: done.id, metadata: undefined })).rejects.toBeInstanceOf(TaskNotCancelableError);
    await expect(client.resubscribeTask({ tenant: '', id: done.id }).next()).rejects.toBeInstanceOf(UnsupportedOperationError);
  });
});

describe('the edge, where the SDK handlers differ from the spec', () => {
  const restUrl = () => `${gateway.url}/agents/${names.echo}/rest`;
  it('HTTP+JSON: 415 for an unsupported content type, 409 for a task that cannot be canceled, application/json everywhere', async () => {
    const bad = await fetch(`${restUrl()}/message:send`, { method: 'POST', headers: { 'content-type': 'text/plain', 'a2a-version': '1.0' }, body: 'hi' });
    expect(bad.status).toBe(415);
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
    const client = await clientFor('HTTP+JSON', names.echo);
    const done = (await client.sendMessage(send('done'))) as Task;
    const cancel = await fetch(`${restUrl()}/tasks/${done.id}:cancel`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: '{}' });
    expect(cancel.status).toBe(409);
    expect(cancel.headers.get('content-type')).toMatch(/^application\/json/);
    const ok = await fetch(`${restUrl()}/tasks/${done.id}`, { headers: { 'a2a-version': '1.0' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('gRPC: an unsupported A2A-Version is UNIMPLEMENTED', async () => {
    const grpc = await import('@grpc/grpc-js');
    const { A2AService } = await import('@a2a-js/sdk/server/grpc');
    const Ctor = grpc.makeGenericClientConstructor(A2AService as never, 'A2AService');
    const raw = new Ctor(gateway.grpcAddress!, grpc.credentials.createInsecure()) as unknown as Record<string, (req: unknown, md: InstanceType<typeof grpc.Metadata>, cb: (err: { code: number } | null) => void) => void>;
    const md = new grpc.Metadata();
    md.set('a2a-version', '99.0');
    const code = await new Promise<number>((resolve) => raw.getTask!({ tenant: names.echo, id: 'x' }, md, (err) => resolve(err?.code ?? 0)));
    expect(code).toBe(grpc.status.UNIMPLEMENTED);
    (raw as unknown as { close(): void }).close();
  });
});

describe('identity', () => {
  it("carries the caller's credentials to the agent: tasks are scoped per user through the gateway", async () => {
    const as = (token: string) => ({ serviceParameters: { authorization: token } });
    for (const binding of BINDINGS) {
      const client = await clientFor(binding, names.authed);
      const task = (await client.sendMessage(send(`alice's over ${binding}`), as('Bearer alice'))) as Task;
      expect((await client.getTask({ tenant: '', id: task.id, historyLength: undefined }, as('Bearer alice'))).id).toBe(task.id);
      await expect(client.getTask({ tenant: '', id: task.id, historyLength: undefined }, as('Bearer bob'))).rejects.toBeInstanceOf(TaskNotFoundError);
      const err = await client.sendMessage(send('no credentials')).catch((e: unknown) => e);
      expect(String((err as Error).message)).toMatch(/Unauthenticated/i);
    }
  });
});

describe('limits and disconnects', () => {
  it('a caller that drops a stream frees its Kafka reply sink and its slot at once', async () => {
    await waitUntil(() => gateway.stats.openStreams === 0 && gateway.runtime.inbox.pending === 0, 'a quiet gateway');
    const abandonedBefore = gateway.stats.streamsAbandoned;
    const controllers = [0, 1, 2].map(() => new AbortController());
    const bodies = await Promise.all(
      controllers.map(async (c, i) => {
        const res = await fetch(i % 2 ? `${gateway.url}/agents/${names.slow}/rest/message:stream` : `${gateway.url}/agents/${names.slow}/jsonrpc`, {
          method: 'POST',
          signal: c.signal,
          headers: { 'content-type': 'application/json', 'a2a-version': '1.0', accept: 'text/event-stream' },
          body: JSON.stringify(
            i % 2
              ? { message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text: 'work 30000' }] } }
              : { jsonrpc: '2.0', id: i, method: 'SendStreamingMessage', params: { message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text: 'work 30000' }] } } },
          ),
        });
        const reader = res.body!.getReader();
        await reader.read(); // the first event arrived: the stream is live end to end
        return reader;
      }),
    );
    expect(gateway.stats.openStreams).toBe(3);
    expect(gateway.slots.count()).toBe(3);
    expect(gateway.runtime.inbox.pending).toBe(3);
    for (const c of controllers) c.abort();
    await Promise.all(bodies.map((r) => r.cancel().catch(() => {})));
    await waitUntil(() => gateway.stats.openStreams === 0, 'the streams to end');
    expect(gateway.runtime.inbox.pending).toBe(0);
    expect(gateway.slots.count()).toBe(0);
    expect(gateway.stats.streamsAbandoned - abandonedBefore).toBe(3);
  });

  it('refuses, each with a clear error: a body over the size limit, a stream over the per-caller limit, a call over the timeout', async () => {
    const small = await startGateway({ config: testConfig(), mesh, port: 0, grpcPort: null, registryTopic: topics.registry, limits: { maxRequestBytes: 2048, maxStreamsPerCaller: 1, requestTimeoutMs: 500 } });
    try {
      await waitUntil(() => small.agents.get(names.slow)?.live === true, 'the slow agent in the second gateway');
      const base = `${small.url}/agents/${names.slow}`;
      const headers = { 'content-type': 'application/json', 'a2a-version': '1.0' };
      const big = await fetch(`${base}/rest/message:send`, { method: 'POST', headers, body: JSON.stringify({ message: { role: 'ROLE_USER', messageId: 'm', parts: [{ text: 'x'.repeat(4096) }] } }) });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { status: string } }).error.status).toBe('RESOURCE_EXHAUSTED');
      const bigRpc = await fetch(`${base}/jsonrpc`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendMessage', params: { message: { role: 'ROLE_USER', messageId: 'm', parts: [{ text: 'x'.repeat(4096) }] } } }) });
      expect(bigRpc.status).toBe(413);
      expect(((await bigRpc.json()) as { error: { code: number } }).error.code).toBe(-32600);

      const c = new AbortController();
      const first = await fetch(`${base}/rest/message:stream`, { method: 'POST', signal: c.signal, headers, body: JSON.stringify({ message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text: 'work 20000' }] } }) });
      const reader = first.body!.getReader();
      await reader.read();
      const second = await fetch(`${base}/rest/message:stream`, { method: 'POST', headers, body: JSON.stringify({ message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text: 'work 100' }] } }) });
      expect(second.status).toBe(429);
      expect(small.stats.refused.tooManyStreams).toBe(1);
      c.abort();
      await reader.cancel().catch(() => {});
      await waitUntil(() => small.slots.count() === 0, 'the slot to be released');

      const slow = await fetch(`${base}/rest/message:send`, { method: 'POST', headers, body: JSON.stringify({ message: { role: 'ROLE_USER', messageId: randomUUID(), parts: [{ text: 'work 3000' }] } }) });
      expect(slow.status).toBe(504);
      expect(((await slow.json()) as { error: { status: string } }).error.status).toBe('DEADLINE_EXCEEDED');
      expect(small.stats.refused.timedOut).toBe(1);
      expect(small.runtime.inbox.pending).toBe(0);
    } finally {
      await small.close();
    }
  });
});
