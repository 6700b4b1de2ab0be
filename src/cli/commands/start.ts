/**
 * `kamf start` (what `npm start` runs): bring up whatever is needed, create the mesh topics, register the schemas,
 * start the reference mesh (data and cs agents with their MCP servers, the balance coordinator), ask the sample
 * question and stream the answer, then keep running until Ctrl-C and stop what this command started.
 */
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { ensureTopics } from '../../core/admin.js';
import { FIXED_TOPICS, TOPICS } from '../../core/topics.js';
import { registerSubject, targets } from '../../governance/index.js';
import { consoleProgress, stackFromConfig } from '../../infra/index.js';
import type { CliContext } from '../context.js';
import { secureContext, SECURE_FLAG, SECURE_HELP } from './secure-flag.js';
import { print, table } from '../output.js';
import { connectMesh } from '../../binding/mesh.js';
import { MeshSession, stateName } from '../ask.js';
import { startRouter, type RunningRouter } from '../../router/index.js';
import { packageScript, pkgPath } from '../../core/paths.js';

type StartReferenceMesh = (
  config: CliContext['config'],
  mesh: ReturnType<typeof connectMesh>,
  log: (line: string) => void,
  options: { routerRunning?: boolean },
) => Promise<{ stop(): Promise<void> }>;

/** The demo agents are an application of the library, not part of it: loaded by path, never imported by the CLI. */
async function loadReferenceMesh(): Promise<StartReferenceMesh> {
  const module = (await import(pathToFileURL(packageScript('agents/mesh.js')).href)) as { startReferenceMesh: StartReferenceMesh };
  return module.startReferenceMesh;
}

export function startCommand(program: Command): void {
  program
    .command('start')
    .description(SUMMARY.start)
    .option('--detach', 'start only the infrastructure, then exit and leave it running (stop it with `kamf infra down`)')
    .option('-q, --question <text>', 'the question to ask once the mesh is up', 'Is Terran too strong?')
    .option('--no-question', 'do not ask a question at start')
    .option('--exit', 'exit after answering instead of running until Ctrl-C')
    .option('--no-router', 'do not run the router stage (flink-sql/routing.sql on the embedded engine) in front of the agents')
    .option(SECURE_FLAG, SECURE_HELP)
    .option('--no-tls', 'with --secure: SASL_PLAINTEXT instead of SASL_SSL')
    .addHelpText('after', '\nExamples:\n  npm start\n  npx kamf start -q "테란 너무 사기 아니에요?"\n  npx kamf start --detach      # infrastructure only')
    .action(async (opts: { detach?: boolean; question: string | false; exit?: boolean; router: boolean }, cmd: Command) => {
      // --secure: the secured broker, the mesh connecting as its admin (secure-flag.ts)
      const ctx = secureContext(cmd);
      const progress = consoleProgress();
      // in the foreground the services die with this process, even by SIGKILL; --detach leaves them running
      const stack = stackFromConfig(ctx.config, progress, opts.detach ? {} : { owner: process.pid });
      const before = stack ? await stack.status() : [];
      const alreadyRunning = before.every((s) => s.state === 'running');
      if (stack) await stack.up();

      const created = await ensureTopics(ctx.kafka(), FIXED_TOPICS);
      if (created.length) progress({ service: 'stack', phase: 'info', message: `created topics ${created.join(', ')}` });
      const registry = ctx.registry();
      for (const t of await targets(registry)) await registerSubject(registry, t.subject, t.file.schema);
      progress({ service: 'stack', phase: 'info', message: 'schemas registered' });

      print('\nKAMF is up.');
      print(table([
        { what: 'Kafka brokers', where: ctx.endpoints.brokers.join(',') },
        { what: 'Schema registry', where: ctx.endpoints.registryUrl },
        ...FIXED_TOPICS.map((t) => ({ what: `topic ${t.name}`, where: t.description })),
      ], ['what', 'where']));
      if (opts.detach) {
        print('\nInfrastructure only (--detach). Stop it with `npx kamf infra down`.');
        return;
      }

      const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-mesh');
      const log = (line: string) => progress({ service: 'mesh', phase: 'info', message: line });
      let agents: { stop(): Promise<void> } | undefined;
      let router: RunningRouter | undefined;
      const stopAll = async () => {
        print('\nstopping: the router, then the agents finish their work and leave the registry...');
        await router?.stop();
        await agents?.stop();
        if (stack && !alreadyRunning) await stack.down();
      };
      let interrupted = false;
      const onSignal = () => (interrupted = true);
      process.once('SIGINT', onSignal);
      try {
        if (opts.router) {
          // the router first: it creates the agents' lane topics, and the coordinator fans out through it
          const file = pkgPath('flink-sql', 'routing.sql');
          router = await startRouter({ file, engine: 'rxjs', config: ctx.config, log });
          log(`router: ${TOPICS.ingress.name} → agents, by flink-sql/routing.sql on the embedded engine`);
        }
        agents = await (await loadReferenceMesh())(ctx.config, mesh, log, { routerRunning: !!router });
        if (opts.question) {
          // through the front door when the router runs: a2a.ingress → router → agent.balance.requests
          const session = await MeshSession.open(mesh, 'balance', { viaIngress: !!router });
          print(`\n> ${opts.question}${router ? `   (via ${TOPICS.ingress.name} and the router)` : ''}`);
          const turn = await session.ask(opts.question, (line) => process.stderr.write(`  … ${line}\n`));
          print(`\n${turn.answer}\n(${stateName(turn.state)})`);
          await session.close();
        }
      } catch (err) {
        await stopAll().catch(() => {});
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
      }
      if (opts.exit || interrupted) {
        await stopAll();
        return;
      }
      print('\nThe mesh keeps running. From another shell:');
      print('  npx kamf ask "테란 너무 사기 아니에요?"');
      print('  npx kamf chat');
      print('  npx kamf agents');
      print(alreadyRunning || !stack ? 'Press Ctrl-C to stop the agents.' : 'Press Ctrl-C to stop the agents and the infrastructure.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await stopAll();
    });
}
