/** `kamf replay`: a bounded window of topics, filtered; printed, written as JSON Lines, or re-injected. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import {
  addFilterOptions,
  assertCanWrite,
  confirmWrite,
  describePosition,
  durationMs,
  filterFromFlags,
  formatLine,
  isInteractive,
  positiveNumber,
  progressBar,
  runReplay,
  viewToJson,
  windowFromFlags,
  type FilterFlags,
} from '../../replay/index.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

interface ReplayFlags extends FilterFlags {
  from?: string;
  to?: string;
  out?: string;
  into?: string;
  rate?: number;
  dryRun?: boolean;
  yes?: boolean;
  replyTo?: string | true;
  wait?: number;
  keepMessageIds?: boolean;
  json?: boolean;
  progress?: boolean;
  utc?: boolean;
}

export function replayCommand(program: Command): void {
  const cmd = program
    .command('replay')
    .description(SUMMARY.replay)
    .argument('<topics...>', 'topic names or globs to read')
    .option(
      '--from <position>',
      'window start: time (2026-01-01T12:00:00Z, @<epoch ms>, 15m = 15 minutes ago), offset (120, or 0:120,3:77), or beginning',
      'beginning',
    )
    .option('--to <position>', 'window end (exclusive), same forms, or end / now', 'end');
  addFilterOptions(cmd)
    .option('--out <file>', 'write the selected records as JSON Lines')
    .option('--into <topic>', 're-inject the selected requests into this (existing) topic, with new correlation ids')
    .option('--rate <records/s>', 'pace the re-injection (token bucket)', positiveNumber('--rate'))
    .option('--dry-run', 'show what --into would write, write nothing')
    .option('-y, --yes', 'write without asking (required when not on a terminal)')
    .option(
      '--reply-to [topic]',
      'replies of re-injected requests go to this topic (no topic: keep each original reply-to); default: a reply topic the replay creates, reads and deletes',
    )
    .option('--wait <duration>', 'how long to wait for answers after the last re-injected request', durationMs, 30_000)
    .option(
      '--keep-message-ids',
      'keep the original messageIds (servers then answer known ones from the task store instead of running them)',
    )
    .option('--json', 'machine-readable output')
    .option('--progress', 'show progress bars even when stderr is not a terminal')
    .option('--utc', 'times in UTC')
    .addHelpText(
      'after',
      `
Examples:
  kamf replay agent.echo.requests --from 15m                         the last 15 minutes, as conversation lines
  kamf replay agent.echo.requests 'a2a.replies.*' --from 2026-01-01T12:00:00Z --to 2026-01-01T12:05:00Z --context ab12…
  kamf replay agent.echo.requests --from 0:100 --to 0:200 --out window.jsonl
  kamf replay agent.echo.requests --from 1h --state COMPLETED --json
  kamf replay agent.echo.requests --from 10m --into agent.echo2.requests --rate 5 --dry-run
  kamf replay agent.echo.requests --from 10m --into agent.echo2.requests --rate 5 --yes --json

Re-injected records get new correlation ids and messageIds, a kamf-replay-of header (<topic>/<partition>/<offset>),
and (unless --reply-to) a reply topic of their own, so the answers can be reported. Only the --into topic is written.`,
    )
    .action(async (topics: string[], opts: ReplayFlags, c: Command) => {
      if (opts.into) assertCanWrite({ ...(opts.yes ? { yes: true } : {}), ...(opts.dryRun ? { dryRun: true } : {}) }, opts.into);
      const ctx = contextFrom(c);
      const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-replay');
      const window = windowFromFlags(opts);
      const result = await runReplay({
        kafka: mesh.kafka,
        codec: mesh.codec,
        topics,
        window,
        filter: filterFromFlags(opts),
        progress: progressBar(!!opts.progress),
        ...(opts.out ? { out: opts.out } : {}),
        ...(opts.into ? { into: opts.into } : {}),
        ...(opts.rate ? { rate: opts.rate } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(opts.replyTo !== undefined ? { replyTo: opts.replyTo } : {}),
        waitMs: opts.wait ?? 30_000,
        ...(opts.keepMessageIds ? { keepMessageIds: true } : {}),
        beforeWrite: (requests) =>
          confirmWrite(
            { ...(opts.yes ? { yes: true } : {}), interactive: isInteractive() },
            `write ${requests.length} request(s) to ${opts.into}`,
          ),
      });
      const windowText = `${describePosition(window.from ?? { kind: 'edge', edge: 'beginning' })} .. ${describePosition(window.to ?? { kind: 'edge', edge: 'end' })}`;
      if (opts.json) {
        printJson({
          topics: result.topics,
          window: windowText,
          scanned: result.scanned,
          count: result.records.length,
          ...(result.incomplete.length ? { incomplete: result.incomplete } : {}),
          ...(result.out ? { out: result.out } : {}),
          ...(result.aborted ? { aborted: true } : {}),
          ...(result.inject ? { inject: result.inject } : {}),
          ...(result.out || result.inject ? {} : { records: result.records.map((v) => viewToJson(v)) }),
        });
        return;
      }
      if (!result.out && !result.inject && !result.aborted) {
        const width = Math.max(0, ...result.records.map((v) => v.topic.length));
        for (const v of result.records) print(formatLine(v, { topicWidth: width, ...(opts.utc ? { utc: true } : {}) }));
      }
      process.stderr.write(
        `${result.records.length} of ${result.scanned} record(s) in ${windowText} from ${result.topics.join(', ') || '(no topics)'}\n`,
      );
      if (result.incomplete.length)
        process.stderr.write(`warning: ${result.incomplete.length} partition(s) stopped before the window end (idle timeout)\n`);
      if (result.out) print(`wrote ${result.out.lines} record(s) to ${result.out.file}`);
      if (result.aborted) print('nothing written');
      const r = result.inject;
      if (r) {
        print(
          `${r.dryRun ? 'would write' : 'wrote'} ${r.dryRun ? r.records.length : r.sent} request(s) to ${r.into}` +
            (r.skipped ? ` (${r.skipped} non-request record(s) skipped)` : '') +
            (r.observedRate !== undefined ? `, ${r.observedRate} records/s` : '') +
            (r.replyTopic && !r.dryRun ? `; ${r.answered} answered on ${r.replyTopic}` : ''),
        );
        print(
          table(
            r.records.map((x) => ({
              source: `${x.source.topic}/${x.source.partition}/${x.source.offset}`,
              'new request id': x.requestId,
              text: x.text,
              answer: x.outcome
                ? x.outcome.error
                  ? `error ${x.outcome.error.code}`
                  : (x.outcome.state ?? '-')
                : r.dryRun
                  ? '(dry run)'
                  : '-',
              'answer text': x.outcome?.text,
            })),
            ['source', 'new request id', 'text', 'answer', 'answer text'],
          ),
        );
      }
    });
}
