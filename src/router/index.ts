/**
 * The router stage: routing written in Flink SQL (flink-sql/*.sql), run by the embedded RxJS engine or by Apache
 * Flink. `startRouter` is what `kamf route` and pipelines/router.ts call. docs/routing.md describes the subset,
 * the placeholders and both engines.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AvroSerde } from '../codec/serde.js';
import { ensureTopics } from '../core/admin.js';
import type { KamfConfig } from '../core/config.js';
import { isKamfError } from '../core/errors.js';
import { createKafka, createRegistry, resolveEndpoints } from '../core/kafka.js';
import { silent, type Progress } from '../infra/progress.js';
import { RxjsRouter, type RxjsEngineOptions } from './engine.js';
import { LocalFlink, submitToGateway, type LocalFlinkOptions } from './flink-engine.js';
import type { RouterStatsSnapshot } from './metrics.js';
import type { RouterPlan } from './plan.js';
import { resolvePlaceholders, substituteSql, type Vars } from './placeholders.js';
import { planRoutingSql } from './sql.js';

export { formatPlan, planToJson, type RouterPlan } from './plan.js';
export { planRoutingSql, loadRoutingFile } from './sql.js';
export { RxjsRouter, laneOf, type RxjsEngineOptions, type DestinationOptions } from './engine.js';
export { LocalFlink, submitToGateway, splitStatements } from './flink-engine.js';
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
  /** Flink engine: submit to this SQL Gateway instead of starting a local Flink. */
  gateway?: string;
  rxjs?: Partial<Omit<RxjsEngineOptions, 'plan' | 'kafkaFor'>>;
  flink?: Partial<Omit<LocalFlinkOptions, 'files'>>;
  progress?: Progress;
  log?: (line: string) => void;
}

export interface RunningRouter {
  engine: RouterEngine;
  /** The embedded engine's plan (Flink: the plan when the file is inside the subset, for topic creation). */
  plan?: RouterPlan;
  stats?: () => RouterStatsSnapshot;
  /** Local Flink: the JVM; gateway: the session and job ids. */
  flink?: LocalFlink;
  gatewayJobs?: string[];
  /** Rejects (or resolves with an exit code) when the engine stops on its own. */
  done: Promise<unknown>;
  stop(): Promise<void>;
}

export async function startRouter(opts: StartRouterOptions): Promise<RunningRouter> {
  const text = readFileSync(opts.file, 'utf8');
  const vars = routerVars(opts.config, opts.vars ?? {});
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? silent;
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

  const values = resolvePlaceholders(text, vars, basename(opts.file));
  const sql = substituteSql(text, values);
  // sink topics: created up front when the file is inside the embedded subset (Flink would rely on auto-creation)
  let plan: RouterPlan | undefined;
  try {
    plan = planRoutingSql(text, vars, opts.file);
  } catch (err) {
    if (!isKamfError(err, 'ROUTER_SQL_UNSUPPORTED')) throw err;
    log('the file is outside the embedded subset: sink topics are not created up front');
  }
  if (plan && !opts.gateway) {
    const kafka = createKafka(opts.config, resolveEndpoints(opts.config), { clientId: 'kamf-router' });
    const topics = [...new Set(plan.sinks.map((s) => plan!.tables[s]!.topic))];
    const created = await ensureTopics(kafka, topics.map((name) => ({ name, partitions: opts.rxjs?.sinkPartitions ?? 6, compacted: false })));
    if (created.length) log(`created topics ${created.join(', ')}`);
  }
  if (opts.gateway) {
    const { jobIds } = await submitToGateway({ url: opts.gateway, sql, log });
    return { engine: 'flink', ...(plan ? { plan } : {}), gatewayJobs: jobIds, done: new Promise(() => {}), stop: async () => {} };
  }
  const flink = new LocalFlink({
    files: [{ name: basename(opts.file), sql }],
    cacheDir: opts.config.infra.dir,
    runDir: join(opts.config.infra.runDir ?? join(opts.config.infra.dir, 'run'), 'flink', `${Date.now()}`),
    progress,
    ...opts.flink,
  });
  await flink.start();
  return { engine: 'flink', ...(plan ? { plan } : {}), flink, done: flink.done, stop: () => flink.stop() };
}
