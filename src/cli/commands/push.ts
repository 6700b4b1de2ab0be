/** `kamf push status|dead|replay`: push-notification deliveries per webhook, the dead letters, and replaying one. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { deadLetters, deliveryStatus, replayDeadLetter, PUSH_CONFIGS_TOPIC, PUSH_DELIVERIES_TOPIC, PUSH_DLQ_TOPIC, type WebhookStatus } from '../../push/index.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function statusTable(rows: WebhookStatus[]): string {
  if (rows.length === 0) return 'no deliveries recorded';
  return table(
    rows.map((r) => ({
      agent: r.agent,
      task: r.taskId,
      webhook: r.url,
      delivered: r.delivered,
      'failed attempts': r.failedAttempts,
      'dead-lettered': r.deadLettered,
      last: new Date(r.lastAt).toISOString(),
      'last error': r.lastError ?? '',
    })),
  );
}

export function pushCommand(program: Command): void {
  const push = program.command('push').description(SUMMARY.push);
  push
    .command('status')
    .description('deliveries per webhook: delivered, failed attempts, dead-lettered, last error')
    .option('--agent <name>', 'only this agent')
    .option('--topic <topic>', 'delivery outcomes topic', PUSH_DELIVERIES_TOPIC)
    .option('--watch <seconds>', 'print again every N seconds until interrupted')
    .option('--json', 'machine-readable output')
    .action(async (opts: { agent?: string; topic: string; watch?: string; json?: boolean }, c: Command) => {
      const ctx = contextFrom(c);
      for (;;) {
        const rows = await deliveryStatus(ctx.kafka(), { topic: opts.topic, ...(opts.agent ? { agent: opts.agent } : {}) });
        if (opts.json) printJson(rows);
        else print(statusTable(rows));
        if (!opts.watch) return;
        await new Promise((r) => setTimeout(r, Math.max(1, Number(opts.watch)) * 1000));
        if (!opts.json) print('');
      }
    });
  push
    .command('dead')
    .description('dead-lettered deliveries, with the reason')
    .option('--agent <name>', 'only this agent')
    .option('--topic <topic>', 'push dead-letter topic', PUSH_DLQ_TOPIC)
    .option('--json', 'machine-readable output')
    .action(async (opts: { agent?: string; topic: string; json?: boolean }, c: Command) => {
      const letters = await deadLetters(contextFrom(c).kafka(), { topic: opts.topic, ...(opts.agent ? { agent: opts.agent } : {}) });
      if (opts.json) printJson(letters.map(({ body: _b, ...r }) => r));
      else print(letters.length === 0 ? 'no dead letters' : letters.map((l) => `${l.deliveryId}  ${l.url}  ${l.attempts} attempt(s)  ${l.reason ?? ''}`).join('\n'));
    });
  push
    .command('replay')
    .description('POST a dead-lettered delivery again (same delivery id, the config\'s current URL and credentials)')
    .argument('<delivery-id>', 'as kamf push dead prints it')
    .option('--dlq-topic <topic>', 'push dead-letter topic', PUSH_DLQ_TOPIC)
    .option('--configs-topic <topic>', 'push config topic', PUSH_CONFIGS_TOPIC)
    .option('--deliveries-topic <topic>', 'delivery outcomes topic', PUSH_DELIVERIES_TOPIC)
    .option('--allow-host <host>', 'webhook hosts allowed (repeatable; default any host, https except loopback)', collect)
    .option('--allow-insecure-http', 'allow plain http to hosts other than loopback')
    .option('--json', 'machine-readable output')
    .action(
      async (
        deliveryId: string,
        opts: { dlqTopic: string; configsTopic: string; deliveriesTopic: string; allowHost?: string[]; allowInsecureHttp?: boolean; json?: boolean },
        c: Command,
      ) => {
        const out = await replayDeadLetter(contextFrom(c).kafka(), {
          deliveryId,
          dlqTopic: opts.dlqTopic,
          configsTopic: opts.configsTopic,
          deliveriesTopic: opts.deliveriesTopic,
          policy: { ...(opts.allowHost ? { allowHosts: opts.allowHost } : {}), ...(opts.allowInsecureHttp ? { allowInsecureHttp: true } : {}) },
        });
        if (opts.json) printJson({ ok: out.ok, status: out.status, error: out.error, deliveryId });
        else print(out.ok ? `delivered ${deliveryId} (HTTP ${out.status})` : `not delivered: ${out.error}`);
        if (!out.ok) process.exitCode = 1;
      },
    );
}
