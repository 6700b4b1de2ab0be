/** `kamf trace <id>`: one conversation across every topic it touched, as a timeline (terminal and HTML). */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import {
  DEFAULT_TRACE_TOPICS,
  clock,
  emitTraceSpans,
  formatTrace,
  progressBar,
  renderTraceHtml,
  runTrace,
  sinceFromFlag,
  topicList,
} from '../../replay/index.js';
import { contextFrom } from '../context.js';
import { KamfError } from '../../core/errors.js';
import { tracingOn } from '../../core/telemetry.js';
import { print, printJson } from '../output.js';

export function traceCommand(program: Command): void {
  program
    .command('trace')
    .description(SUMMARY.trace)
    .argument('<id>', 'a context id or a task id (a message id works too)')
    .option('--topics <topics>', `topics or globs to scan, comma-separated (default ${DEFAULT_TRACE_TOPICS.join(',')})`, topicList)
    .option('--since <duration|time>', 'only scan records since then (15m, 2h, or a time)')
    .option('--html <file>', 'also write a self-contained HTML report with a timeline chart')
    .option('--json', 'machine-readable output')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--utc', 'times in UTC')
    .option('--otel', 'also emit the conversation as OpenTelemetry spans (set OTEL_EXPORTER_OTLP_ENDPOINT, docs/observability.md)')
    .addHelpText(
      'after',
      `
Examples:
  kamf trace 4f1c2a9e-…                           a context (or task) across ingress, agents, replies, snapshots
  kamf trace 4f1c2a9e-… --since 1h --html trace.html
  kamf trace 9f3e… --topics agent.echo.requests,a2a.replies.*,a2a.tasks --json`,
    )
    .action(
      async (
        id: string,
        opts: { topics?: string[]; since?: string; html?: string; json?: boolean; progress?: boolean; utc?: boolean; otel?: boolean },
        c: Command,
      ) => {
        const ctx = contextFrom(c);
        if (opts.otel && !tracingOn()) {
          throw new KamfError('CONFIG_INVALID', '--otel needs somewhere to send the spans', { hint: 'set OTEL_EXPORTER_OTLP_ENDPOINT (docs/observability.md)' });
        }
        const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-trace');
        const since = sinceFromFlag(opts.since);
        const trace = await runTrace({
          kafka: mesh.kafka,
          codec: mesh.codec,
          id,
          ...(opts.topics?.length ? { topics: opts.topics } : {}),
          ...(since !== undefined ? { since } : {}),
          progress: progressBar(!!opts.progress),
        });
        if (opts.html) writeFileSync(opts.html, renderTraceHtml(trace, { generatedAt: new Date() }));
        const spans = opts.otel ? emitTraceSpans(trace) : 0;
        if (opts.json) printJson({ ...trace, ...(opts.html ? { html: opts.html } : {}) });
        else {
          print(formatTrace(trace, (ms) => clock(ms, !!opts.utc)));
          if (opts.html) print(`\nHTML report: ${opts.html}`);
          if (opts.otel) print(`\n${spans} span(s) sent to OpenTelemetry`);
        }
        if (trace.events.length === 0) process.exitCode = 3;
      },
    );
}
