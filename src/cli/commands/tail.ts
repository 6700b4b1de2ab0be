/** `kamf tail`: follow topics, decoded, as conversation lines (or JSON Lines); Ctrl-C stops. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import { KamfError } from '../../core/errors.js';
import {
  addFilterOptions,
  compileFilter,
  filterFromFlags,
  follow,
  formatLine,
  resolveTopics,
  viewToJson,
  type FilterFlags,
} from '../../replay/index.js';
import { contextFrom } from '../context.js';
import { print } from '../output.js';

export function tailCommand(program: Command): void {
  const cmd = program
    .command('tail')
    .description(SUMMARY.tail)
    .argument('<topics...>', 'topic names or globs (agent.*.requests*, a2a.replies.*)')
    .option('--from-beginning', 'start at the beginning of the topics instead of the end')
    .option('--json', 'one JSON object per record (JSON Lines) instead of conversation lines')
    .option('--offsets', 'show partition@offset after the topic')
    .option('--utc', 'times in UTC instead of local time');
  addFilterOptions(cmd, ['context', 'task', 'agent', 'method', 'state', 'tenant', 'grep'])
    .addHelpText(
      'after',
      `
Lines:
  12:00:01.123 agent.echo.requests  → SendMessage ctx=ab12cd34 task=- #5f0c1a2b "hello"
  12:00:01.140 a2a.replies.3f2a9c1e  ← task 9f3e2a11 COMPLETED #5f0c1a2b "hello"
  (status ←, artifact ←, ◆ task snapshots, ◇ registrations, ✗ records that do not decode)

Examples:
  kamf tail agent.echo.requests 'a2a.replies.*'       requests and answers as they happen
  kamf tail 'agent.*.requests*' --state FAILED         only failures
  kamf tail a2a.tasks --from-beginning --context ab12cd34-…  one conversation's snapshots
  kamf tail agent.echo.requests --json | jq .text      JSON Lines for scripts`,
    )
    .action(
      async (
        patterns: string[],
        opts: FilterFlags & { fromBeginning?: boolean; json?: boolean; offsets?: boolean; utc?: boolean },
        c: Command,
      ) => {
        const ctx = contextFrom(c);
        const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-tail');
        const admin = mesh.kafka.admin();
        await admin.connect();
        const { topics, missing } = await resolveTopics(admin, patterns).finally(() => admin.disconnect());
        if (missing.length) throw new KamfError('CONFIG_INVALID', `no such topic: ${missing.join(', ')}`);
        if (topics.length === 0) throw new KamfError('CONFIG_INVALID', `no topic matches ${patterns.join(' ')}`);
        const keep = compileFilter(filterFromFlags(opts));
        const width = Math.max(...topics.map((t) => t.length));
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        let shown = 0;
        try {
          await follow({
            kafka: mesh.kafka,
            codec: mesh.codec,
            topics,
            fromBeginning: !!opts.fromBeginning,
            signal: stop.signal,
            onReady: () => process.stderr.write(`following ${topics.join(', ')} (Ctrl-C to stop)\n`),
            onRecord: (v) => {
              if (v.kind !== 'undecodable' && !keep(v)) return;
              shown++;
              print(
                opts.json
                  ? JSON.stringify(viewToJson(v))
                  : formatLine(v, { topicWidth: width, ...(opts.offsets ? { offsets: true } : {}), ...(opts.utc ? { utc: true } : {}) }),
              );
            },
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        process.stderr.write(`stopped after ${shown} record(s)\n`);
      },
    );
}
