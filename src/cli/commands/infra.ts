/** `kamf infra up | down | status | logs`: the local Kafka + registry as child processes. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { KamfError } from '../../core/errors.js';
import { consoleProgress, stackFromConfig, type ServiceName } from '../../infra/index.js';
import { logFileOf } from '../../infra/services.js';
import { secureContext, secureNotes, SECURE_FLAG, SECURE_HELP } from './secure-flag.js';
import { print, printJson, table } from '../output.js';
import { join } from 'node:path';

function localStack(cmd: Command) {
  const ctx = secureContext(cmd);
  const stack = stackFromConfig(ctx.config, consoleProgress());
  if (!stack) {
    print(`An external cluster is configured (KAFKA_BROKERS=${ctx.endpoints.brokers.join(',')}, SCHEMA_REGISTRY_URL=${ctx.endpoints.registryUrl}); nothing local to manage.`);
    return undefined;
  }
  return { ctx, stack };
}

export function infraCommand(program: Command): void {
  const infra = program.command('infra').description(SUMMARY.infra);

  infra
    .command('up')
    .description('fetch (first time only) and start Kafka (KRaft) and Apicurio Registry; reuses what already runs')
    .option('--json', 'print the resulting status as JSON')
    .option(SECURE_FLAG, SECURE_HELP)
    .option('--no-tls', 'with --secure: SASL_PLAINTEXT instead of SASL_SSL')
    .action(async (opts: { json?: boolean; secure?: boolean }, cmd: Command) => {
      const local = localStack(cmd);
      if (!local) return;
      const status = await local.stack.up();
      if (opts.json) printJson(status);
      else print(table(status.map((s) => ({ service: s.name, state: s.state, address: s.address, pid: s.pid })), ['service', 'state', 'address', 'pid']));
      if (local.ctx.config.infra.secure && !opts.json) print(secureNotes(local.ctx.config));
    });

  infra
    .command('down')
    .description('stop the local services (data stays; add --clean to remove it)')
    .option('--clean', 'also delete data directories and logs')
    .option(SECURE_FLAG, SECURE_HELP)
    .action(async (opts: { clean?: boolean }, cmd: Command) => {
      const local = localStack(cmd);
      if (!local) return;
      await local.stack.down();
      if (opts.clean) local.stack.clean();
      print('stopped');
    });

  infra
    .command('status')
    .description('each service, its address and health')
    .option('--json', 'machine-readable output')
    .option(SECURE_FLAG, SECURE_HELP)
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const local = localStack(cmd);
      if (!local) return;
      const status = await local.stack.status();
      if (opts.json) printJson(status);
      else print(table(status.map((s) => ({ service: s.name, state: s.state, healthy: s.healthy ? 'yes' : 'no', address: s.address, pid: s.pid })), ['service', 'state', 'healthy', 'address', 'pid']));
      if (status.some((s) => s.state !== 'running')) process.exitCode = 3;
    });

  infra
    .command('logs')
    .description('show the last lines of a service log')
    .argument('[service]', 'kafka or registry', 'kafka')
    .option('-n, --lines <n>', 'number of lines', '50')
    .option('-f, --follow', 'keep following the log')
    .option(SECURE_FLAG, SECURE_HELP)
    .action(async (service: string, opts: { lines: string; follow?: boolean }, cmd: Command) => {
      const local = localStack(cmd);
      if (!local) return;
      if (service !== 'kafka' && service !== 'registry') throw new KamfError('CLI_USAGE', `unknown service "${service}"`, { hint: 'kamf infra logs kafka, or kamf infra logs registry' });
      if (opts.follow) {
        const file = logFileOf(local.ctx.config.infra.runDir ?? join(local.ctx.config.infra.dir, 'run'), service);
        await new Promise<void>((resolve) => spawn('tail', ['-n', opts.lines, '-F', file], { stdio: 'inherit' }).on('exit', () => resolve()));
        return;
      }
      print(local.stack.logs(service as ServiceName, Number(opts.lines)));
    });
}
