/**
 * Metrics of an agent under load, scraped from a Prometheus endpoint (the OpenTelemetry Prometheus exporter on a
 * free port): the request count equals what was sent, the duration histogram holds every request, and the
 * consumer-lag gauge, above zero while the agent is behind, goes to zero when it drains.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@a2a-js/sdk';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { freePort } from '../../src/infra/ports.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const name = `metrics-slow-${suffix}`;
const SENT = 24;
let mesh: MeshConnection;
let provider: MeterProvider;
let exporter: PrometheusExporter;
let server: KafkaAgentServer;
let rt: KafkaClientRuntime;
let url: string;

/** Prometheus text format → samples of one metric for our agent: labels and value. */
async function scrape(metric: string): Promise<Array<{ labels: string; value: number }>> {
  const text = await (await fetch(url)).text();
  const out: Array<{ labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === metric && (m[2] ?? '').includes(`gen_ai_agent_name="${name}"`)) out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}
const sum = (xs: Array<{ value: number }>) => xs.reduce((a, x) => a + x.value, 0);

beforeAll(async () => {
  const port = await freePort();
  exporter = await new Promise<PrometheusExporter>((resolve) => {
    const e: PrometheusExporter = new PrometheusExporter({ port, host: '127.0.0.1' }, () => resolve(e));
  });
  url = `http://127.0.0.1:${port}/metrics`;
  provider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  mesh = connectMesh(testConfig());
  const tasksTopic = `a2a.tasks.metrics-${suffix}`;
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(name), partitions: 3, compacted: false },
    { name: tasksTopic, partitions: 1, compacted: true },
  ]);
  const card = kafkaAgentCard({ name, description: 'slow', brokers: testConfig().kafka.brokers, skills: [{ id: 'work', name: 'Work', description: 'works' }] });
  // two slots for many requests: the agent falls behind, so there is lag to see
  server = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor: new SlowExecutor(), tasksTopic, dlqTopic: `a2a.dlq.metrics-${suffix}`, concurrency: 2, log: () => {} });
  await server.start();
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await rt?.close().catch(() => {});
  await server?.stop(2_000).catch(() => {});
  await provider?.shutdown().catch(() => {});
  metrics.disable();
});

describe('agent metrics on a Prometheus endpoint', () => {
  it('counts every request sent, and the lag gauge drains to zero', async () => {
    const card = kafkaAgentCard({ name, description: 'slow', brokers: testConfig().kafka.brokers, skills: [] });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const msg = (): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart('work 150')], metadata: undefined, extensions: [], referenceTaskIds: [] });
    const all = Promise.all(Array.from({ length: SENT }, () => client.sendMessage({ tenant: '', message: msg(), configuration: undefined, metadata: undefined })));
    let done = false;
    void all.finally(() => (done = true));
    let maxLag = 0;
    let maxInFlight = 0;
    while (!done) {
      maxLag = Math.max(maxLag, sum(await scrape('kamf_consumer_lag')));
      maxInFlight = Math.max(maxInFlight, sum(await scrape('kamf_agent_requests_in_flight')));
      await new Promise((r) => setTimeout(r, 100));
    }
    await all;
    expect(maxLag).toBeGreaterThan(0);
    expect(maxInFlight).toBeGreaterThan(0);

    // the last requests finish just after their replies: read until the lag is zero on every partition
    let lag = await scrape('kamf_consumer_lag');
    for (let i = 0; i < 50 && (lag.length === 0 || sum(lag) > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      lag = await scrape('kamf_consumer_lag');
    }
    expect(lag.length).toBeGreaterThan(0);
    expect(lag.every((l) => l.value === 0), JSON.stringify(lag)).toBe(true);

    const requests = await scrape('kamf_agent_requests_total');
    expect(sum(requests)).toBe(SENT);
    expect(sum(requests.filter((r) => r.labels.includes('kamf_outcome="ok"') && r.labels.includes('a2a_method="SEND_MESSAGE"')))).toBe(SENT);
    expect(sum(await scrape('kamf_agent_request_duration_count'))).toBe(SENT);
    expect(sum(await scrape('kamf_agent_failures_total'))).toBe(0);
    expect(sum(await scrape('kamf_agent_slots_limit'))).toBe(2);
    // the caller's circuit to this agent stayed closed (0)
    const text = await (await fetch(url)).text();
    expect(text).toMatch(new RegExp(`^kamf_client_breaker_state\\{[^}]*messaging_destination_name="${agentRequestTopic(name).replaceAll('.', '\\.')}"[^}]*\\} 0$`, 'm'));
  });
});
