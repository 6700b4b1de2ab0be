/**
 * The embedded router's OpenTelemetry metrics, scraped from a Prometheus endpoint: records in, and out per sink,
 * equal to what was produced to the ingress, and a fan-out counted once per sink.
 */
import { randomUUID } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { freePort } from '../../src/infra/ports.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { testConfig } from '../support/infra.js';

const P = `rmetrics-${randomUUID().slice(0, 6)}.`;
let mesh: MeshConnection;
let provider: MeterProvider;
let router: RunningRouter;
let url: string;

async function scrape(metric: string): Promise<Array<{ labels: string; value: number }>> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .map((line) => /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => !!m && m[1] === metric)
    .map((m) => ({ labels: m[2] ?? '', value: Number(m[3]) }));
}

beforeAll(async () => {
  const port = await freePort();
  const exporter = await new Promise<PrometheusExporter>((resolve) => {
    const e: PrometheusExporter = new PrometheusExporter({ port, host: '127.0.0.1' }, () => resolve(e));
  });
  url = `http://127.0.0.1:${port}/metrics`;
  provider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  const config = testConfig();
  mesh = connectMesh(config);
  await ensureTopics(mesh.kafka, [{ name: `${P}a2a.ingress`, partitions: 2, compacted: false }]);
  router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: `${P}a2a.dlq` } });
}, 120_000);

afterAll(async () => {
  await router?.stop().catch(() => {});
  await provider?.shutdown().catch(() => {});
  metrics.disable();
});

describe('router metrics', () => {
  it('counts records in, and out per sink', async () => {
    const producer = mesh.kafka.producer();
    await producer.connect();
    const record = (target: string, i: number) => ({ key: `k${i}`, value: Buffer.from(`v${i}`), headers: { 'kamf-target-agent': target } });
    await producer.send({
      topic: `${P}a2a.ingress`,
      messages: [...Array.from({ length: 5 }, (_, i) => record('data', i)), ...Array.from({ length: 3 }, (_, i) => record('data,cs', 10 + i))],
    });
    await producer.disconnect();
    const outOf = async (topic: string) => (await scrape('kamf_router_records_out_total')).filter((s) => s.labels.includes(`messaging_destination_name="${topic}"`)).reduce((a, s) => a + s.value, 0);
    let dataOut = 0;
    for (let i = 0; i < 100 && dataOut < 8; i++) {
      await new Promise((r) => setTimeout(r, 100));
      dataOut = await outOf(`${P}agent.data.requests`);
    }
    expect(dataOut).toBe(8);
    expect(await outOf(`${P}agent.cs.requests`)).toBe(3);
    expect((await scrape('kamf_router_records_in_total')).reduce((a, s) => a + s.value, 0)).toBe(8);
  });
});
