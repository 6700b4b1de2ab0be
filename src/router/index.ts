/**
 * The router stage: routing written in Flink SQL (flink-sql/*.sql), run by the embedded RxJS engine or by Apache
 * Flink. `startRouter` is what `kamf route` and pipelines/router.ts call. docs/routing.md describes the subset,
 * the placeholders and both engines.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AvroSerde } from '../codec/serde.js';
import type { KamfConfig } from '../core/config.js';
import { createKafka, createRegistry, resolveEndpoints } from '../core/kafka.js';
import { FlinkCluster, type FlinkClusterOptions } from '../infra/flink-cluster.js';
import { silent, type Progress } from '../infra/progress.js';
import { RxjsRouter, type RxjsEngineOptions } from './engine.js';
import { deployRouting, FlinkJobWatch, stopRouting } from './flink-engine.js';
import type { RouterStatsSnapshot } from './metrics.js';
import type { RouterPlan } from './plan.js';
import { resolvePlaceholders, substituteSql, type Vars } from './placeholders.js';
import { planRoutingSql } from './sql.js';
import { startRoutesProjection } from './routes-projection.js';

export { formatPlan, planToJson, type RouterPlan } from './plan.js';
export { planRoutingSql, loadRoutingFile } from './sql.js';
export { RxjsRouter, laneOf, type RxjsEngineOptions, type DestinationOptions } from './engine.js';
export { deployRouting, listRoutingJobs, stopRouting, FlinkJobWatch, JOB_PREFIX, type FlinkDeployment } from './flink-engine.js';
export { deployFile, DEFAULT_SESSION_SETTINGS, type Deployment } from './flink-deploy.js';
export { GatewaySession, type FlinkJob, type GatewayResult, type GatewayColumn } from './flink-gateway.js';
export { ROUTER_CHANNELS, type RouterStats, type RouterStatsSnapshot } from './metrics.js';
export { resolvePlaceholders, substituteSql, findPlaceholders } from './placeholders.js';

export type RouterEngine = 'rxjs' | 'flink';

/** Placeholder values: KAFKA_BROKERS / SCHEMA_REGISTRY_URL from KAMF's config, then the environment, then `extra`. */
export function routerVars(config: KamfConfig, extra: Vars = {}, env: Vars = process.env): Record<string, string> {
  const e = resolveEndpoints(config);
  const out: Record<string, string> = { KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && /^[A-Z_][A-Z0-9_]*$/.test(k) && k !== 'KAFKA_BROKERS' && k !== 'SCHEMA_REGISTRY_URL') out[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out;
}

export interface StartRouterOptions {
  file: string;
  engine: RouterEngine;
  config: KamfConfig;
  /** Placeholder values over `routerVars` (`--set NAME=value`). */
  vars?: Vars;
  /** Flink engine: deploy through this SQL Gateway instead of starting a local session cluster. */
  gateway?: string;
  /** Flink engine: the job is `kamf-route:<name>`; default the file's base name without `.sql`. */
  name?: string;
  /** Flink engine: replace a running job of the same name (stop with savepoint, start from it). */
  replace?: boolean;
  rxjs?: Partial<Omit<RxjsEngineOptions, 'plan' | 'kafkaFor'>>;
  /** Flink engine without a gateway: the local session cluster. */
  flink?: Partial<Omit<FlinkClusterOptions, 'cacheDir' | 'runDir'>> & { settings?: Record<string, string> };
  progress?: Progress;
  log?: (line: string) => void;
  /** Keep the `agent.routes` the file joins current from `agent.registry` while routing (routes-projection.ts). Default true. */
  projectRoutes?: boolean;
}

export interface RunningRouter {
  engine: RouterEngine;
  /** The embedded engine's plan (Flink: the plan when the file is inside the subset, for topic creation). */
  plan?: RouterPlan;
  stats?: () => RouterStatsSnapshot;
  /** Flink: the local session cluster (none with a gateway). */
  flink?: FlinkCluster;
  /** Flink: the gateway the job was deployed through, the job name and ids. */
  gateway?: string;
  jobName?: string;
  jobIds?: string[];
  /** Rejects when the engine fails (a Flink job FAILED after its restart budget); resolves when it ends. */
  done: Promise<unknown>;
  /**
   * Embedded: drains and stops. Flink with a gateway: stops following the job, which keeps running on the
   * cluster (`kamf route stop`). Local Flink: stops the job and the cluster.
   */
  stop(): Promise<void>;
}

export async function startRouter(opts: StartRouterOptions): Promise<RunningRouter> {
  const text = readFileSync(opts.file, 'utf8');
  const vars = routerVars(opts.config, opts.vars ?? {});
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? silent;
  const stopProjection = opts.projectRoutes === false ? async () => {} : await startRoutesProjection(opts.config, substituteSql(text, resolvePlaceholders(text, vars, basename(opts.file))), log);
  try {
    const router = await startEngine(opts, text, vars, log, progress);
    return { ...router, stop: () => router.stop().finally(stopProjection) };
  } catch (err) {
    await stopProjection();
    throw err;
  }
}

async function startEngine(opts: StartRouterOptions, text: string, vars: Record<string, string>, log: (line: string) => void, progress: Progress): Promise<RunningRouter> {
  if (opts.engine === 'rxjs') {
    const plan = planRoutingSql(text, vars, opts.file);
    const serdes = new Map<string, AvroSerde>();
    const router = new RxjsRouter({
      plan,
      kafkaFor: (brokers) => createKafka(opts.config, { brokers, registryUrl: resolveEndpoints(opts.config).registryUrl }, { clientId: 'kamf-router' }),
      decodeAvro: async (value, url) => {
        let serde = serdes.get(url);
        if (!serde) serdes.set(url, (serde = new AvroSerde({ registry: createRegistry(opts.config, { brokers: [], registryUrl: url }), autoRegister: false })));
        return (await serde.decode(value)).value;
      },
      log,
      ...opts.rxjs,
    });
    await router.start();
    return { engine: 'rxjs', plan, stats: () => router.snapshot(), done: router.done, stop: () => router.stop() };
  }

  // the Flink engine never runs the embedded planner: Flink parses and validates the file
  const sql = substituteSql(text, resolvePlaceholders(text, vars, basename(opts.file)));
  const name = opts.name ?? basename(opts.file).replace(/\.sql$/i, '');
  const runDir = join(opts.config.infra.runDir ?? join(opts.config.infra.dir, 'run'), 'flink', `${Date.now()}-${process.pid}`);
  let cluster: FlinkCluster | undefined;
  let gateway = opts.gateway;
  if (!gateway) {
    cluster = await new FlinkCluster({ cacheDir: opts.config.infra.dir, runDir: join(runDir, 'cluster'), owner: process.pid, progress, ...opts.flink }).start();
    gateway = cluster.gatewayUrl;
  }
  try {
    const d = await deployRouting({
      gateway,
      sql,
      file: basename(opts.file),
      name,
      ...(opts.replace ? { replace: true } : {}),
      ...(opts.flink?.settings ? { settings: opts.flink.settings } : {}),
      cacheDir: opts.config.infra.dir,
      workDir: join(runDir, 'deploy'),
      progress,
      log,
    });
    if (d.replaced) log(`replaced job ${d.replaced.jobId}${d.replaced.savepoint ? ` (started from savepoint ${d.replaced.savepoint})` : ''}`);
    const watch = new FlinkJobWatch(gateway, d.jobIds, { log });
    const gw = gateway;
    return {
      engine: 'flink',
      gateway: gw,
      jobName: d.jobName,
      jobIds: d.jobIds,
      ...(cluster ? { flink: cluster } : {}),
      done: watch.done,
      stop: async () => {
        watch.stop();
        if (!cluster) return;
        await stopRouting(gw, name).catch(() => {});
        await cluster.stop();
      },
    };
  } catch (err) {
    await cluster?.stop();
    throw err;
  }
}
