/**
 * `kamf route [--engine rxjs|flink] [--gateway URL] [--dry-run] <file.sql>`: run a routing file (Flink SQL) on the
 * embedded RxJS engine or on Apache Flink; `kamf route jobs` and `kamf route stop` manage the routing jobs of a
 * Flink cluster through its SQL Gateway. See docs/routing.md.
 */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { KamfError } from '../../core/errors.js';
import { consoleProgress, stackFromConfig } from '../../infra/index.js';
import { formatPlan, listRoutingJobs, planRoutingSql, planToJson, routerVars, startRouter, stopRouting, type RouterEngine } from '../../router/index.js';
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';
import { jsonLogLine } from '../../core/telemetry.js';

function collect(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new KamfError('CLI_USAGE', `--set expects NAME=value, got ${value}`, { hint: 'for example --set KAFKA_BROKERS=kafka:29092' });
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** --gateway of a subcommand (commander may hand it to `route` itself, which has the same option). */
function gatewayOf(opts: { gateway?: string }): string {
  if (!opts.gateway) throw new KamfError('CLI_USAGE', 'this command needs --gateway <url>', { hint: 'for example --gateway http://127.0.0.1:8083' });
  return opts.gateway;
}

interface RouteOptions {
  engine: string;
  gateway?: string;
  name?: string;
  replace?: boolean;
  detach?: boolean;
  set: Record<string, string>;
  dryRun?: boolean;
  json?: boolean;
  maxInFlight?: number;
  stats?: number;
}

export function routeCommand(program: Command): void {
  const route = program
    .command('route')
    .description(SUMMARY.route)
    .argument('<file>', 'Flink SQL file, e.g. flink-sql/routing.sql')
    .option('-e, --engine <engine>', 'rxjs (embedded, default) or flink', 'rxjs')
    .option('--gateway <url>', 'flink engine: deploy through this Flink SQL Gateway (e.g. http://127.0.0.1:8083) instead of a local session cluster')
    .option('--name <name>', 'flink engine: the job is kamf-route:<name> (default: the file name without .sql)')
    .option('--replace', 'flink engine: replace the running job of that name (stop with savepoint, start from it)')
    .option('--detach', 'flink engine with --gateway: exit once the job is deployed instead of following it')
    .option('--set <NAME=value>', 'placeholder value (repeatable), e.g. --set KAMF_TOPIC_PREFIX=dev.', collect, {})
    .option('--dry-run', 'embedded engine: print the plan (sources, views, predicates, projections, sinks) and exit')
    .option('--json', 'with --dry-run: the plan as JSON')
    .option('--max-in-flight <n>', 'rxjs: records read but not yet written, at most', (v) => Number(v))
    .option('--stats <ms>', 'rxjs: print stats every <ms> milliseconds', (v) => Number(v))
    .addHelpText(
      'after',
      `
Placeholders in the file: \${KAFKA_BROKERS}, \${SCHEMA_REGISTRY_URL} (from KAMF's config), any environment
variable, or --set NAME=value; \${NAME:-default} gives a default.

The embedded engine runs in a child process whose heap is capped at KAMF_ROUTER_MAX_HEAP_MB (default 256; 0: no
cap), so its memory stays bounded while it drains a backlog (docs/routing.md).

Examples:
  kamf route --dry-run flink-sql/routing.sql
  kamf route flink-sql/routing.sql
  kamf route --engine flink flink-sql/routing.sql
  kamf route --engine flink --gateway http://127.0.0.1:8083 --set KAFKA_BROKERS=kafka:29092 flink-sql/routing.sql
  kamf route --engine flink --gateway http://127.0.0.1:8083 --replace flink-sql/routing.sql
  kamf route jobs --gateway http://127.0.0.1:8083
  kamf route stop routing --gateway http://127.0.0.1:8083`,
    )
    .action(async (file: string, opts: RouteOptions, cmd: Command) => {
      const engine = opts.engine as RouterEngine;
      if (engine !== 'rxjs' && engine !== 'flink') throw new KamfError('CLI_USAGE', `--engine must be rxjs or flink, got ${opts.engine}`, { hint: 'rxjs runs the file embedded; flink runs it on Apache Flink' });
      const ctx = contextFrom(cmd);
      if (opts.dryRun) {
        const plan = planRoutingSql(readFileSync(file, 'utf8'), routerVars(ctx.config, opts.set), file);
        if (opts.json) printJson(planToJson(plan));
        else print(formatPlan(plan));
        return;
      }
      const progress = consoleProgress();
      if (!opts.gateway) await stackFromConfig(ctx.config, progress)?.up();
      const router = await startRouter({
        file,
        engine,
        config: ctx.config,
        vars: opts.set,
        ...(opts.gateway ? { gateway: opts.gateway } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.replace ? { replace: true } : {}),
        progress,
        log: (line) => process.stderr.write(jsonLogLine('kamf router', line) ?? `[router] ${line}\n`),
        rxjs: {
          ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
          ...(opts.stats ? { statsIntervalMs: opts.stats, onStats: (s) => print(JSON.stringify(s)) } : {}),
        },
      });
      if (router.jobIds) print(`deployed ${router.jobName} to ${router.gateway}: job ${router.jobIds.join(', ')}`);
      if (opts.gateway && opts.detach) {
        await router.stop();
        return;
      }
      // the heap limit shows the cap bin/kamf.js started this process with (KAMF_ROUTER_MAX_HEAP_MB)
      const where = engine === 'rxjs' ? `the embedded RxJS engine (heap limit ${Math.round(getHeapStatistics().heap_size_limit / 2 ** 20)} MB)` : opts.gateway ? `Flink at ${opts.gateway} (Ctrl-C stops following; the job keeps running)` : 'a local Flink session cluster';
      print(`routing ${file} on ${where}. Press Ctrl-C to stop.`);
      const signal = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      const outcome = await Promise.race([
        signal,
        router.done.then(
          (c) => `engine ended (${String(c)})`,
          (err: unknown) => {
            throw err;
          },
        ),
      ]).finally(() => router.stop());
      print(`\n${outcome}: stopped`);
      if (router.stats) print(JSON.stringify(router.stats()));
      if (!outcome.startsWith('SIG')) process.exitCode = 1;
    });

  route
    .command('jobs')
    .description('list the routing jobs (kamf-route:*) of a Flink cluster, through its SQL Gateway')
    .option('--gateway <url>', 'Flink SQL Gateway REST URL')
    .option('--all', 'every Flink job, not only routing jobs')
    .option('--json', 'as JSON')
    .action(async (_: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ gateway?: string; all?: boolean; json?: boolean }>();
      const jobs = await listRoutingJobs(gatewayOf(opts), opts.all);
      if (opts.json) printJson(jobs);
      else print(jobs.length ? table(jobs.map((j) => ({ job: j.id, name: j.name, status: j.status, started: j.startTime }))) : 'no routing jobs');
    });

  route
    .command('stop')
    .description('stop a routing job (by name or job id) on a Flink cluster, through its SQL Gateway')
    .argument('<name>', 'the job name without kamf-route: (e.g. routing), or a job id')
    .option('--gateway <url>', 'Flink SQL Gateway REST URL')
    .option('--savepoint', 'take a savepoint while stopping (printed)')
    .action(async (name: string, _: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ gateway?: string; savepoint?: boolean }>();
      for (const s of await stopRouting(gatewayOf(opts), name, { savepoint: opts.savepoint ?? false })) {
        print(`stopped ${s.name} (job ${s.jobId})${s.savepoint ? `, savepoint ${s.savepoint}` : ''}`);
      }
    });
}
