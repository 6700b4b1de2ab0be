/** `kamf stats`: per agent and skill, counts, latency percentiles and outcome rates, from the topics themselves. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import { DEFAULT_STATS_TOPICS, progressBar, runStats, sinceFromFlag, topicList } from '../../replay/index.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

export function statsCommand(program: Command): void {
  program
    .command('stats')
    .description(SUMMARY.stats)
    .option('--since <duration|time>', 'requests since then (15m, 2h, or a time)', '15m')
    .option('--topics <topics>', `topics or globs to read, comma-separated (default ${DEFAULT_STATS_TOPICS.join(',')})`, topicList)
    .option('--agent <name>', 'only this agent')
    .option('--json', 'machine-readable output')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .addHelpText(
      'after',
      `
Latency is the request record's timestamp to the final reply record's timestamp (matched by correlation id);
percentiles are nearest-rank. Rates are shares of the answered requests: failure = FAILED, REJECTED or an error
reply; cancel = CANCELED; input-required = INPUT_REQUIRED. The skill comes from the kamf-skill header ('-' when absent).
Reply topics are deleted when their client closes: a request without its final reply takes its outcome and latency
from the first settled snapshot of its task on a2a.tasks (the "from" column says how many came from each source).

Examples:
  kamf stats --since 15m
  kamf stats --since 2h --agent echo --json`,
    )
    .action(async (opts: { since: string; topics?: string[]; agent?: string; json?: boolean; progress?: boolean }, c: Command) => {
      const ctx = contextFrom(c);
      const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-stats');
      const since = sinceFromFlag(opts.since);
      const report = await runStats({
        kafka: mesh.kafka,
        codec: mesh.codec,
        ...(since !== undefined ? { since } : {}),
        ...(opts.topics?.length ? { topics: opts.topics } : {}),
        ...(opts.agent ? { agent: opts.agent } : {}),
        progress: progressBar(!!opts.progress),
      });
      if (opts.json) return printJson(report);
      print(`${report.requests} request(s) since ${report.since ?? 'the beginning'}\n`);
      print(
        table(
          report.rows.map((r) => ({
            agent: r.agent,
            skill: r.skill,
            requests: r.requests,
            answered: r.answered,
            p50: r.p50Ms !== undefined ? `${r.p50Ms}ms` : '-',
            p95: r.p95Ms !== undefined ? `${r.p95Ms}ms` : '-',
            p99: r.p99Ms !== undefined ? `${r.p99Ms}ms` : '-',
            failed: pct(r.failureRate),
            canceled: pct(r.cancelRate),
            'input-req': pct(r.inputRequiredRate),
            from: [r.answeredFrom.replies ? `replies ${r.answeredFrom.replies}` : '', r.answeredFrom.tasks ? `tasks ${r.answeredFrom.tasks}` : ''].filter(Boolean).join(', ') || '-',
          })),
          ['agent', 'skill', 'requests', 'answered', 'p50', 'p95', 'p99', 'failed', 'canceled', 'input-req', 'from'],
        ),
      );
    });
}
