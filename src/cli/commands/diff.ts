/** `kamf diff`: replay recorded requests into another agent and compare its answers with the recorded ones. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import {
  addFilterOptions,
  assertCanWrite,
  confirmWrite,
  durationMs,
  filterFromFlags,
  isInteractive,
  positiveNumber,
  progressBar,
  runDiff,
  topicList,
  windowFromFlags,
  type FilterFlags,
} from '../../replay/index.js';
import { KamfError } from '../../core/errors.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

interface DiffFlags extends FilterFlags {
  from?: string;
  to?: string;
  source: string;
  target: string;
  replies?: string[];
  rate?: number;
  wait?: number;
  yes?: boolean;
  json?: boolean;
  progress?: boolean;
}

const cut = (s: string | undefined, n = 40) => (s === undefined ? '-' : s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function diffCommand(program: Command): void {
  const cmd = program
    .command('diff')
    .description(SUMMARY.diff)
    .requiredOption('--source <topic>', 'request topic the requests were recorded on (agent.<a>.requests)')
    .requiredOption('--target <topic>', 'request topic of the agent to compare with (agent.<b>.requests)')
    .option('--from <position>', 'window start (time, 15m, offset, p:o, beginning)', 'beginning')
    .option('--to <position>', 'window end, exclusive (time, offset, p:o, end)', 'end');
  addFilterOptions(cmd, ['context', 'task', 'skill', 'method', 'tenant', 'grep'])
    .option('--replies <topics>', 'where the recorded answers are, comma-separated globs (default a2a.replies.*)', topicList)
    .option('--rate <records/s>', 'pace the replay (token bucket)', positiveNumber('--rate'))
    .option('--wait <duration>', 'how long to wait for the answers after the last request', durationMs, 30_000)
    .option('-y, --yes', 'write to the target topic without asking (required when not on a terminal)')
    .option('--json', 'machine-readable output')
    .option('--progress', 'show progress bars even when stderr is not a terminal')
    .addHelpText(
      'after',
      `
Each request is sent again with a new correlation id and messageId and a kamf-replay-of header; the answers come
back on a reply topic the command creates and deletes. Recorded answers are read from the reply topics and matched
by the original correlation id (reply topics of clients that closed are gone: those show as no-recorded-answer).

Examples:
  kamf diff --source agent.echo.requests --target agent.echo2.requests --from 30m --yes
  kamf diff --source agent.echo.requests --target agent.echo2.requests --from 2026-01-01T12:00:00Z --to 2026-01-01T12:10:00Z --rate 10 --yes --json`,
    )
    .action(async (opts: DiffFlags, c: Command) => {
      if (opts.source === opts.target) throw new KamfError('CONFIG_INVALID', '--source and --target must differ');
      assertCanWrite({ ...(opts.yes ? { yes: true } : {}) }, opts.target);
      if (
        !opts.yes &&
        !(await confirmWrite({ interactive: isInteractive() }, `replay the requests of ${opts.source} into ${opts.target}`))
      ) {
        print('nothing written');
        return;
      }
      const ctx = contextFrom(c);
      const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-diff');
      const report = await runDiff({
        kafka: mesh.kafka,
        codec: mesh.codec,
        source: opts.source,
        target: opts.target,
        window: windowFromFlags(opts),
        filter: filterFromFlags(opts),
        ...(opts.replies?.length ? { replyTopics: opts.replies } : {}),
        ...(opts.rate ? { rate: opts.rate } : {}),
        waitMs: opts.wait ?? 30_000,
        progress: progressBar(!!opts.progress),
      });
      if (opts.json) return printJson(report);
      const s = report.summary;
      print(
        table(
          report.rows.map((r) => ({
            source: `${r.source.partition}@${r.source.offset}`,
            request: cut(r.request, 24),
            recorded: r.recorded ? (r.recorded.error ? `error ${r.recorded.error.code}` : (r.recorded.state ?? '-')) : '-',
            'recorded text': cut(r.recorded?.text),
            replayed: r.replayed ? (r.replayed.error ? `error ${r.replayed.error.code}` : (r.replayed.state ?? '-')) : '-',
            'replayed text': cut(r.replayed?.text),
            verdict: r.verdict,
          })),
          ['source', 'request', 'recorded', 'recorded text', 'replayed', 'replayed text', 'verdict'],
        ),
      );
      print(
        `\n${s.requests} request(s): ${s.same} same, ${s.stateChanged} state changed, ${s.textChanged} text changed, ` +
          `${s.noRecordedAnswer} without recorded answer, ${s.noReplayedAnswer} without replayed answer`,
      );
      for (const [k, n] of Object.entries(s.transitions)) print(`  ${k}: ${n}`);
      if (s.stateChanged + s.textChanged > 0) process.exitCode = 2;
    });
}
