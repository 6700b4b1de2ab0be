/**
 * The server side of one comparison case, in its own process so its CPU is its own: a raw Kafka echo, the echo
 * agent over the KAMF binding (optionally behind the embedded router), or the same executor behind the SDK's own
 * Express JSON-RPC handler.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { UserBuilder, jsonRpcHandler } from '@a2a-js/sdk/server/express';
import { connectMesh, serveAgent } from '../../src/binding/index.js';
import { createKafka, ensureTopics, loadConfig, pkgPath, resolveEndpoints } from '../../src/core/index.js';
import { startRouter } from '../../src/router/index.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { cpuMs, maxRssMb, type CaseName, type ToChild, type ToDriver } from './protocol.js';
import { platformaticEcho } from './raw-platformatic.js';
import { nativeEcho } from './raw-native.js';

const send = (m: ToDriver) => process.send!(m);
const mode = process.argv[2] as CaseName;
const id = randomUUID().slice(0, 8);
const config = loadConfig();
const stops: Array<() => Promise<unknown>> = [];

async function rawEcho(): Promise<Record<string, unknown>> {
  const kafka = createKafka(config, resolveEndpoints(config), { clientId: `bench-raw-server-${id}` });
  const requests = `bench.raw.requests.${id}`;
  await ensureTopics(kafka, [{ name: requests, partitions: 1, compacted: false }]);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `bench-raw-${id}`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: requests, fromBeginning: true });
  // no commits in the loop: the floor is produce → consume → produce → consume and nothing else
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const replies = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: { c: m.headers?.c ?? '' } }));
      const byTopic = new Map<string, typeof replies>();
      batch.messages.forEach((m, i) => {
        const to = String(m.headers?.r ?? '');
        byTopic.set(to, [...(byTopic.get(to) ?? []), replies[i]!]);
      });
      // not awaited: the next fetch overlaps this produce, as the @platformatic/kafka echo's does
      producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }).catch((err: Error) => send({ type: 'error', message: err.message }));
    },
  });
  stops.push(() => consumer.disconnect(), () => producer.disconnect());
  return { requests };
}

/** The raw floor's echo on another Kafka client (a yardstick), on a request topic of its own. */
async function otherClientEcho(tag: string, echo: (brokers: string[], id: string, requests: string) => Promise<() => Promise<void>>): Promise<Record<string, unknown>> {
  const kafka = createKafka(config, resolveEndpoints(config), { clientId: `bench-${tag}-admin-${id}` });
  const requests = `bench.${tag}.requests.${id}`;
  await ensureTopics(kafka, [{ name: requests, partitions: 1, compacted: false }]);
  stops.push(await echo(resolveEndpoints(config).brokers, id, requests));
  return { requests };
}

async function kafkaAgent(withRouter: boolean): Promise<Record<string, unknown>> {
  const mesh = connectMesh(config);
  // behind the router the agent must be "echo" on <prefix>agent.echo.requests: flink-sql/routing.sql routes there
  const prefix = `bench.${id}.`;
  const name = withRouter ? 'echo' : `bench-${id}`;
  const topics = { tasks: `${prefix}tasks`, registry: `${prefix}registry`, dlq: `${prefix}dlq` };
  const agent = await serveAgent({
    config,
    mesh,
    name,
    description: 'benchmark echo',
    skills: [],
    executor: new EchoExecutor(),
    concurrency: 256,
    topics,
    ...(withRouter ? { requestTopic: `${prefix}agent.echo.requests` } : {}),
  });
  stops.push(() => agent.stop(5000));
  if (!withRouter) return { card: agent.card };
  // the router creates its ingress and lanes, and waits for their leaders, before it reads
  const router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: prefix } });
  stops.push(() => router.stop());
  return { card: agent.card, ingress: `${prefix}a2a.ingress` };
}

async function httpAgent(): Promise<Record<string, unknown>> {
  const card = {
    name: 'bench-http',
    description: 'benchmark echo',
    version: '0.1.0',
    supportedInterfaces: [] as Array<{ url: string; protocolBinding: string; protocolVersion: string; tenant: string }>,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    securitySchemes: {},
    securityRequirements: [],
    signatures: [],
  };
  const handler = new DefaultRequestHandler(card as never, new InMemoryTaskStore(), new EchoExecutor());
  const app = express();
  app.use(express.json({ limit: '10mb' }));
  app.use('/', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  card.supportedInterfaces.push({ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' });
  server.keepAliveTimeout = 60_000;
  stops.push(() => new Promise((r) => server.close(r)));
  return { card };
}

process.on('message', async (m: ToChild) => {
  if (m.type === 'usage') send({ type: 'usage', cpuMs: cpuMs(), maxRssMb: maxRssMb() });
  if (m.type === 'stop') {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    process.exit(0);
  }
});

try {
  const target =
    mode === 'raw' ? await rawEcho() : mode === 'raw-platformatic' ? await otherClientEcho('pk', platformaticEcho) : mode === 'raw-native' ? await otherClientEcho('native', nativeEcho) : mode === 'http' || mode === 'http-stream' ? await httpAgent() : await kafkaAgent(mode === 'router');
  send({ type: 'ready', target });
} catch (err) {
  send({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
}
