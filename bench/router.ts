/**
 * Router stage on the embedded engine, draining a backlog: N requests are written to a2a.ingress first (raw records
 * with routing headers, as callers write them), then the router starts on flink-sql/routing.sql and routes them to
 * the agent lanes. Measured: records/s from the router's start until every record is in its sink, and the growth of
 * the router process's RSS over its idle baseline (router started, backlog not yet read) while draining, sampled every
 * 50 ms. The router runs in a process of its own (router-drain.ts), so the figures are not the driver's.
 * Targets (issue 12): at least 50,000 records/s; at most 150 MB growth for 1,000,000 records (quick mode: 100,000).
 * Topics get a unique prefix (KAMF_TOPIC_PREFIX) so the run never touches a live mesh; they are deleted after.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { KamfConfig } from '../src/core/config.js';
import { createKafka, resolveEndpoints } from '../src/core/kafka.js';
import { ensureTopics } from '../src/core/admin.js';
import { DEFAULT_ROUTER_HEAP_MB } from '../src/cli/heap-cap.js';
import type { DrainToDriver } from './router-drain.js';
import type { BenchResult } from './stats.js';

const TARGETS = ['data', 'cs', 'balance', 'echo'];

/** The drain's figures beside the printed result, for the targets table of BENCHMARKS.md. */
export interface RouterDrainResult extends BenchResult {
  /** `nodeArgs`: the flags the router's process started with (the heap cap of `kamf route` unless replaced). */
  drain: { records: number; rssGrowthMb: number; cpuUsPerRecord: number; nodeArgs?: string[] };
}
const MB = 1024 * 1024;

export async function routerBenchmark(config: KamfConfig, n: number, log: (line: string) => void = () => {}): Promise<RouterDrainResult> {
  const prefix = `bench-${randomUUID().slice(0, 6)}.`;
  const kafka = createKafka(config, resolveEndpoints(config), { clientId: 'kamf-bench' });
  const sinks = TARGETS.flatMap((t) => [`${prefix}agent.${t}.requests`, `${prefix}agent.${t}.requests.high`]);
  await ensureTopics(kafka, [{ name: `${prefix}a2a.ingress`, partitions: 6, compacted: false }, ...sinks.map((name) => ({ name, partitions: 6, compacted: false }))]);
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(600, 1); // the router never decodes the value: any bytes of a typical size do
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      key: `ctx-${i + j}`,
      value,
      headers: { 'kamf-target-agent': TARGETS[(i + j) % TARGETS.length]!, 'kamf-priority': (i + j) % 10 === 0 ? 'high' : 'normal' },
    }));
    pending.push(producer.send({ topic: `${prefix}a2a.ingress`, messages }));
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await producer.disconnect();
  log(`router: backlog of ${n} records written`);

  const admin = kafka.admin();
  await admin.connect();
  // the router runs in a process of its own: its RSS and CPU are then the router's, not this driver's (whose heap the
  // earlier benchmarks grew: the same drain measured +73 MB of growth alone in the driver, +101 to +189 MB in its own
  // process), under the heap cap `kamf route` gives it. BENCH_ROUTER_NODE_ARGS replaces that cap's flag (an empty
  // value: no cap), e.g. --max-old-space-size=512
  const nodeArgs = (process.env.BENCH_ROUTER_NODE_ARGS ?? `--max-old-space-size=${DEFAULT_ROUTER_HEAP_MB}`).split(' ').filter(Boolean);
  const child = fork(fileURLToPath(new URL('router-drain.ts', import.meta.url)), [prefix], { execArgv: ['--import', 'tsx', ...nodeArgs], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<DrainToDriver>((resolve, reject) => {
      child.once('message', (m: DrainToDriver) => (m.type === 'error' ? reject(new Error(`router-drain: ${m.message}`)) : resolve(m)));
      child.once('exit', (code) => reject(new Error(`router-drain exited with ${code}`)));
    });
  const firstMsg = await next();
  if (firstMsg.type !== 'first') throw new Error(`router-drain: unexpected ${firstMsg.type}`);
  let out = 0;
  while (out < n) {
    await new Promise((r) => setTimeout(r, 100));
    out = 0;
    for (const t of sinks) out += (await admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high), 0);
  }
  const seconds = (Date.now() - firstMsg.at) / 1000;
  child.send('done');
  const usage = await next();
  if (usage.type !== 'usage') throw new Error(`router-drain: unexpected ${usage.type}`);
  await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  // CPU time of the router's process per record: steadier than records/s on a machine shared with the broker
  const cpuUsPerRecord = usage.cpuUs / n;
  const joinSeconds = firstMsg.startedMs / 1000;
  const [base, peak] = [usage.baseRss, usage.peakRss];
  await admin.deleteTopics({ topics: [...sinks, `${prefix}a2a.ingress`, `${prefix}a2a.unroutable`] }).catch(() => {});
  await admin.disconnect();
  const growth = (peak - base) / MB;
  const rate = n / seconds;
  const verdict = `${rate >= 50_000 ? 'meets' : 'below'} the 50,000 records/s target; RSS +${growth.toFixed(0)} MB over ${(base / MB).toFixed(0)} MB idle (${growth <= 150 ? 'within' : 'above'} the 150 MB budget${n < 1_000_000 ? ' stated for 1,000,000 records' : ''})`;
  log(`router: ${n} records in ${seconds.toFixed(1)} s = ${Math.round(rate)} records/s, ${cpuUsPerRecord.toFixed(1)} µs CPU per record; ${verdict}`);
  return {
    name: `router: drain a backlog of ${n} on a2a.ingress → 8 agent lanes (embedded engine, routing.sql, produce included)`,
    ops: n,
    seconds,
    opsPerSecond: rate,
    drain: { records: n, rssGrowthMb: growth, cpuUsPerRecord, nodeArgs },
    notes: `router process started with ${nodeArgs.join(' ') || 'no heap cap'}; from the first record read (group join took ${joinSeconds.toFixed(1)} s); ${cpuUsPerRecord.toFixed(1)} µs CPU per record (${(usage.cpuUs / 1e6 / seconds).toFixed(2)} cores busy); RSS growth of the router's process ${growth.toFixed(0)} MB (idle ${(base / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB); peak in flight ${String(usage.peakInFlight)}, produce retries ${String(usage.retries)}; ${verdict}`,
  };
}
