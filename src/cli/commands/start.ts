/**
 * `kamf start` (what `npm start` runs): bring up whatever is needed, create the mesh topics, register the schemas,
 * print where everything is, and keep running until Ctrl-C, then stop what this command started.
 */
import type { Command } from 'commander';
import { ensureTopics } from '../../core/admin.js';
import { FIXED_TOPICS } from '../../core/topics.js';
import { registerSubject, targets } from '../../governance/index.js';
import { consoleProgress, stackFromConfig } from '../../infra/index.js';
import { contextFrom } from '../context.js';
import { print, table } from '../output.js';

export function startCommand(program: Command): void {
  program
    .command('start')
    .description('start the mesh: local infrastructure (unless KAFKA_BROKERS / SCHEMA_REGISTRY_URL point elsewhere), topics, schemas')
    .option('--detach', 'exit after start-up and leave the services running (stop them with `kamf infra down`)')
    .action(async (opts: { detach?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const progress = consoleProgress();
      const stack = stackFromConfig(ctx.config, progress);
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
      print('\nUse them from another shell, e.g.  KAFKA_BROKERS=' + ctx.endpoints.brokers.join(',') + ' npx kamf schemas list');
      if (opts.detach || !stack) {
        if (!stack) print('(external cluster: nothing local to keep running)');
        return;
      }
      print(alreadyRunning ? 'Press Ctrl-C to exit (the services were already running and stay up).' : 'Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      if (!alreadyRunning) {
        print('\nstopping...');
        await stack.down();
      }
    });
}
