/**
 * The `kamf` command line. Each command lives in commands/<name>.ts and is loaded only when it runs: `kamf --help`
 * reads the catalog, so starting the CLI costs no more than Node and commander.
 */
import { Command, CommanderError } from 'commander';
import { LOADERS, SUMMARY, isCommandName, type CommandName } from './catalog.js';
import { commandNameOf } from './command-name.js';
import { reportError } from './report-error.js';
import type { TelemetrySetup } from '../core/telemetry-setup.js';

export { commandNameOf } from './command-name.js';

const VERSION = '0.1.0';

function baseProgram(): Command {
  return new Command('kamf')
    .description('KAMF: AI agents as an event-driven mesh (A2A over Kafka, Avro, MCP tools, Flink SQL routing)')
    .version(VERSION)
    .option('-c, --config <file>', 'JSON config file (default ./kamf.config.json, or $KAMF_CONFIG)')
    .option('--verbose', 'print stack traces and causes of errors')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  kamf start                 start the stack and the agent mesh, ask "Is Terran too strong?", run until Ctrl-C
  kamf ask "테란 너무 사기 아니에요?"   ask the running mesh
  kamf chat                  multi-turn conversation with the coordinator
  kamf agents                who is in agent.registry
  kamf infra up              start Kafka and the registry in the background
  kamf infra status --json   services, addresses and health
  kamf schemas check         what would change, and whether it is compatible
  KAFKA_BROKERS=b1:9092 SCHEMA_REGISTRY_URL=https://sr kamf schemas list   use an existing cluster`,
    );
}

/** The program with `name` fully registered, or every command as a summary line when none (or an unknown one) is named. */
export async function buildProgram(name?: string): Promise<Command> {
  const program = baseProgram();
  if (isCommandName(name)) {
    (await LOADERS[name]())(program);
  } else {
    for (const command of Object.keys(SUMMARY) as CommandName[]) program.command(command).description(SUMMARY[command]);
  }
  return program;
}

/** Commands that run until stopped, whose Kafka clients keep logging what they retry. */
const LONG_RUNNING = new Set(['start', 'route', 'tail', 'gateway', 'chat']);

export async function main(argv = process.argv): Promise<void> {
  const verbose = argv.includes('--verbose');
  const name = commandNameOf(argv.slice(2));
  // a short command reports its own failure once; the client's retry-by-retry log would only bury it
  if (!verbose && !LONG_RUNNING.has(name ?? '')) process.env.KAMF_LOG_LEVEL ??= 'nothing';
  let telemetry: TelemetrySetup | undefined;
  try {
    // OTEL_EXPORTER_OTLP_ENDPOINT / KAMF_PROMETHEUS_PORT (docs/observability.md): without them not even the
    // OpenTelemetry API is loaded, so start-up (kamf --help) pays nothing for telemetry
    if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.KAMF_PROMETHEUS_PORT) {
      telemetry = await (await import('../core/telemetry-setup.js')).startTelemetryFromEnv();
    }
    const program = (await buildProgram(name)).exitOverride();
    await program.parseAsync(argv);
    await telemetry?.shutdown();
  } catch (err) {
    await telemetry?.shutdown();
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(reportError(err, { verbose }));
    process.exitCode = 1;
  }
}
