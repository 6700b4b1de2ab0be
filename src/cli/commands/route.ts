/**
 * `kamf route [--engine rxjs|flink] [--gateway URL] [--dry-run] <file.sql>`: run a routing file (Flink SQL) on the
 * embedded RxJS engine or on Apache Flink until Ctrl-C. See docs/routing.md.
 */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { KamfError } from '../../core/errors.js';
import { consoleProgress, stackFromConfig } from '../../infra/index.js';
import { formatPlan, planRoutingSql, planToJson, routerVars, startRouter, type RouterEngine } from '../../router/index.js';
import { readFileSync } from 'node:fs';
import { contextFrom } from '../context.js';
import { print, printJson } from '../output.js';

function collect(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new KamfError('CLI_USAGE', `--set expects NAME=value, got ${value}`, { hint: 'for example --set KAFKA_BROKERS=kafka:29092' });
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function routeCommand(program: Command): void {
  program
    .command('route')
    .description(SUMMARY.route)
    .argument('<file>', 'Flink SQL file, e.g. flink-sql/routing.sql')
    .option('-e, --engine <engine>', 'rxjs (embedded, default) or flink', 'rxjs')
    .option('--gateway <url>', 'flink engine: submit through this Flink SQL Gateway (e.g. http://127.0.0.1:8083) instead of a local Flink')
    .option('--set <NAME=value>', 'placeholder value (repeatable), e.g. --set KAMF_TOPIC_PREFIX=dev.', collect, {})
    .option('--dry-run', 'print the plan (sources, views, predicates, projections, sinks) and exit')
    .option('--json', 'with --dry-run: the plan as JSON')
    .option('--max-in-flight <n>', 'rxjs: records read but not yet written, at most', (v) => Number(v))
    .option('--stats <ms>', 'rxjs: print stats every <ms> milliseconds', (v) => Number(v))
    .addHelpText(
      'after',
      `
Placeholders in the file: \${KAFKA_BROKERS}, \${SCHEMA_REGISTRY_URL} (from KAMF's config), any environment
variable, or --set NAME=value; \${NAME:-default} gives a default.

Examples:
  kamf route --dry-run flink-sql/routing.sql
  kamf route flink-sql/routing.sql
  kamf route --engine flink flink-sql/routing.sql
  kamf route --engine flink --gateway http://127.0.0.1:8083 --set KAFKA_BROKERS=kafka:29092 flink-sql/routing.sql`,
    )
    .action(async (file: string, opts: { engine: string; gateway?: string; set: Record<string, string>; dryRun?: boolean; json?: boolean; maxInFlight?: number; stats?: number }, cmd: Command) => {
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
        progress,
        log: (line) => process.stderr.write(`[router] ${line}\n`),
        rxjs: {
          ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
          ...(opts.stats ? { statsIntervalMs: opts.stats, onStats: (s) => print(JSON.stringify(s)) } : {}),
        },
      });
      if (router.gatewayJobs) {
        print(`submitted to ${opts.gateway}: job ${router.gatewayJobs.join(', ') || '(none reported)'}`);
        return;
      }
      print(`routing ${file} on ${engine === 'rxjs' ? 'the embedded RxJS engine' : `a local Flink (log ${router.flink?.logFile})`}. Press Ctrl-C to stop.`);
      const signal = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      const outcome = await Promise.race([signal, router.done.then((c) => `engine ended (${String(c)})`)]);
      print(`\n${outcome}: stopping`);
      await router.stop();
      if (router.stats) print(JSON.stringify(router.stats()));
      if (!outcome.startsWith('SIG')) process.exitCode = 1;
    });
}
