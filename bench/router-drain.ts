/**
 * The router side of the drain benchmark (router.ts), in a process of its own so that its RSS and CPU are the
 * router's alone, not those of the benchmarks that ran before it in the driver. It starts the embedded router on
 * flink-sql/routing.sql, tells the driver when the first record is read, samples its RSS every 50 ms, and answers
 * with its usage once the driver has seen every record in the sinks.
 */
import { loadConfig } from '../src/core/config.js';
import { pkgPath } from '../src/core/paths.js';
import { startRouter } from '../src/router/index.js';

export type DrainToDriver =
  | { type: 'first'; at: number; startedMs: number }
  | { type: 'usage'; cpuUs: number; baseRss: number; peakRss: number; peakInFlight?: number; retries?: number }
  | { type: 'error'; message: string };

const send = (m: DrainToDriver) => process.send!(m);
const prefix = process.argv[2]!;

try {
  const t0 = Date.now();
  const router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config: loadConfig(), vars: { KAMF_TOPIC_PREFIX: prefix }, rxjs: { createTopics: false } });
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  // the clock starts at the first record read: joining a new consumer group waits for the broker's
  // group.initial.rebalance.delay.ms (3 s by default), which is start-up, not throughput
  let cpu0 = process.cpuUsage();
  for (;;) {
    cpu0 = process.cpuUsage();
    if ((router.stats?.().consumed ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  send({ type: 'first', at: Date.now(), startedMs: Date.now() - t0 });
  process.once('message', async () => {
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    const stats = router.stats?.();
    send({ type: 'usage', cpuUs: cpu.user + cpu.system, baseRss, peakRss, ...(stats ? { peakInFlight: stats.peakInFlight, retries: stats.retries } : {}) });
    await router.stop();
    process.exit(0);
  });
} catch (err) {
  send({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
}
