/** The `kamf` command line. Each command lives in commands/<name>.ts. */
import { Command, CommanderError } from 'commander';
import { isKamfError } from '../core/errors.js';
import { infraCommand } from './commands/infra.js';
import { schemasCommand } from './commands/schemas.js';
import { startCommand } from './commands/start.js';
import { meshCommands } from './commands/mesh.js';
import { topicsCommand } from './commands/topics.js';
import { tailCommand } from './commands/tail.js';
import { replayCommand } from './commands/replay.js';
import { traceCommand } from './commands/trace.js';
import { statsCommand } from './commands/stats.js';
import { diffCommand } from './commands/diff.js';
import { routeCommand } from './commands/route.js';

export function buildProgram(): Command {
  const program = new Command('kamf')
    .description('KAMF: AI agents as an event-driven mesh (A2A over Kafka, Avro, MCP tools, Flink SQL routing)')
    .version('0.1.0')
    .option('-c, --config <file>', 'JSON config file (default ./kamf.config.json, or $KAMF_CONFIG)')
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
  infraCommand(program);
  schemasCommand(program);
  startCommand(program);
  meshCommands(program);
  topicsCommand(program);
  tailCommand(program);
  replayCommand(program);
  traceCommand(program);
  statsCommand(program);
  diffCommand(program);
  routeCommand(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isKamfError(err)) {
      process.stderr.write(`kamf: ${err.message}\n  (${err.code})\n`);
    } else {
      process.stderr.write(`kamf: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exitCode = 1;
  }
}
