/** `kamf topics`: topics with partitions, end offsets and the lag of each consumer group. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { describeTopics, globToRegExp } from '../../replay/index.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

export function topicsCommand(program: Command): void {
  program
    .command('topics')
    .description(SUMMARY.topics)
    .argument('[patterns...]', 'only topics matching these names or globs (agent.*.requests*)')
    .option('--all', 'include internal topics (__consumer_offsets, kafkasql-*)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  kamf topics                          every topic, with record counts and group lag
  kamf topics 'agent.*.requests*'      only agent request topics
  kamf topics --all --json             including internal topics, as JSON`,
    )
    .action(async (patterns: string[], opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const res = patterns.map(globToRegExp);
      const topics = await describeTopics(ctx.kafka(), {
        ...(opts.all ? { all: true } : {}),
        ...(res.length ? { match: (t: string) => res.some((r) => r.test(t)) } : {}),
      });
      if (opts.json) return printJson(topics);
      print(
        table(
          topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions,
            records: t.records,
            'end offsets': t.endOffsets.map((p) => `${p.partition}:${p.high}`).join(' '),
            'lag by group': t.groups.map((g) => `${g.groupId}=${g.lag}`).join(' ') || '-',
          })),
          ['topic', 'partitions', 'records', 'end offsets', 'lag by group'],
        ),
      );
    });
}
