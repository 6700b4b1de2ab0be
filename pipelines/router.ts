/**
 * Runnable router pipeline: loads flink-sql/routing.sql (or the file given) and runs it on the chosen engine until
 * Ctrl-C.
 *
 *   node --import tsx pipelines/router.ts                          # embedded RxJS engine, flink-sql/routing.sql
 *   node --import tsx pipelines/router.ts --engine flink           # the same file on a local Apache Flink
 *   KAMF_TOPIC_PREFIX=dev. node --import tsx pipelines/router.ts my-routes.sql
 *
 * Environment: KAFKA_BROKERS / SCHEMA_REGISTRY_URL (else the local stack, which must be up: `kamf infra up`),
 * any ${PLACEHOLDER} of the file, KAMF_ROUTER_ENGINE (rxjs | flink), KAMF_ROUTER_MAX_IN_FLIGHT,
 * KAMF_ROUTER_STATS_MS (print a `stats {json}` line to stdout that often; 0 = never), KAMF_DLQ_TOPIC,
 * KAMF_LOG_FORMAT=json (log lines on stderr as JSON).
 */
import { jsonLogLine, loadConfig, pkgPath } from '../src/core/index.js';
import { consoleProgress } from '../src/infra/index.js';
import { startRouter, type RouterEngine } from '../src/router/index.js';

const args = process.argv.slice(2);
const engineFlag = args.indexOf('--engine');
const engine = ((engineFlag >= 0 ? args.splice(engineFlag, 2)[1] : undefined) ?? process.env.KAMF_ROUTER_ENGINE ?? 'rxjs') as RouterEngine;
if (engine !== 'rxjs' && engine !== 'flink') throw new Error(`unknown engine ${engine} (rxjs or flink)`);
const file = args[0] ?? pkgPath('flink-sql', 'routing.sql');
const statsMs = Number(process.env.KAMF_ROUTER_STATS_MS ?? 0);
// KAMF_LOG_FORMAT=json: JSON lines with the active trace ids; else the readable `[router] ...`
const log = (line: string) => process.stderr.write(jsonLogLine('router', line) ?? `[router] ${line}\n`);

const router = await startRouter({
  file,
  engine,
  config: loadConfig(),
  progress: consoleProgress((l) => process.stderr.write(jsonLogLine('router', l) ?? `${l}\n`)),
  log,
  rxjs: {
    ...(process.env.KAMF_ROUTER_MAX_IN_FLIGHT ? { maxInFlight: Number(process.env.KAMF_ROUTER_MAX_IN_FLIGHT) } : {}),
    ...(process.env.KAMF_DLQ_TOPIC ? { dlqTopic: process.env.KAMF_DLQ_TOPIC } : {}),
    ...(statsMs > 0 ? { statsIntervalMs: statsMs, onStats: (s) => process.stdout.write(`stats ${JSON.stringify(s)}\n`) } : {}),
  },
});
log(`router ready: ${file} on ${engine}${router.plan ? ` (${router.plan.routes.length} routes)` : ''}`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) process.exit(130);
  stopping = true;
  log(`${signal}: stopping (again to force)`);
  router.stop().then(
    () => {
      if (router.stats) process.stdout.write(`final ${JSON.stringify(router.stats())}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      log(`stop failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
router.done.then(
  (code) => {
    log(`engine ended (${String(code)})`);
    process.exit(typeof code === 'number' ? code : 1);
  },
  (err: unknown) => {
    log(`engine failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
