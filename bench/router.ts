/**
 * Router stage throughput on the embedded engine: N requests on a2a.ingress (raw records with routing headers, as
 * callers write them), routed by flink-sql/routing.sql to agent lanes; measured until every record is out.
 * Topics get a unique prefix (KAMF_TOPIC_PREFIX) so the run never touches a live mesh.
 */
import { randomUUID } from 'node:crypto';
import type { KamfConfig } from '../src/core/config.js';
import { createKafka, resolveEndpoints } from '../src/core/kafka.js';
import { ensureTopics } from '../src/core/admin.js';
import { pkgPath } from '../src/core/paths.js';
import { startRouter } from '../src/router/index.js';
import type { BenchResult } from './stats.js';

const TARGETS = ['data', 'cs', 'balance', 'echo'];

export async function routerBenchmark(config: KamfConfig, n: number): Promise<BenchResult> {
  const prefix = `bench-${randomUUID().slice(0, 6)}.`;
  const kafka = createKafka(config, resolveEndpoints(config), { clientId: 'kamf-bench' });
  await ensureTopics(kafka, [{ name: `${prefix}a2a.ingress`, partitions: 6, compacted: false }]);
  const router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: prefix } });
  const sinks = TARGETS.flatMap((t) => [`${prefix}agent.${t}.requests`, `${prefix}agent.${t}.requests.high`]);
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(600, 1); // the router never decodes the value: any bytes of a typical size do
  const t0 = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      key: `ctx-${i + j}`,
      value,
      headers: { 'kamf-target-agent': TARGETS[(i + j) % TARGETS.length]!, 'kamf-priority': (i + j) % 10 === 0 ? 'high' : 'normal' },
    }));
    await producer.send({ topic: `${prefix}a2a.ingress`, messages });
  }
  const admin = kafka.admin();
  await admin.connect();
  let out = 0;
  while (out < n) {
    await new Promise((r) => setTimeout(r, 200));
    out = 0;
    for (const t of sinks) out += (await admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high), 0);
  }
  const seconds = (Date.now() - t0) / 1000;
  const peakInFlight = router.stats?.().inFlight;
  await admin.deleteTopics({ topics: [...sinks, `${prefix}a2a.ingress`, `${prefix}a2a.unroutable`] }).catch(() => {});
  await admin.disconnect();
  await producer.disconnect();
  await router.stop();
  return { name: `router: a2a.ingress → 8 agent lanes (embedded engine, produce included)`, ops: n, seconds, opsPerSecond: n / seconds, notes: `in flight at end: ${String(peakInFlight)}` };
}
