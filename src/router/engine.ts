/**
 * The embedded engine: runs a routing plan (built by src/router/sql.ts) on kafkajs + RxJS.
 *
 *   source topic --(consumer, pause/resume)--> route: WHERE + SELECT per INSERT --> outputs$
 *   outputs$ --groupBy(destination)--> rateLimit (priority between lanes) --groupBy(key shard)-->
 *            batchWithin --concatMap--> producer.sendBatch --> ack --> commit
 *
 * - Bounded memory: at most `maxInFlight` records are read and not yet written. At the bound the consumer is
 *   paused (the backlog stays in Kafka) and the current fetch batch is left unresolved, so kafkajs fetches it
 *   again after resume; it resumes at half the bound. Every mergeMap has a finite concurrency.
 * - Destinations: the agent behind a topic (`agent.<name>.requests[.<lane>]` -> `agent.<name>`), or the topic
 *   itself. Each has a rate limit (default none) and a produce concurrency (default 4). Within a destination the
 *   rate limiter releases higher lanes first (`.high`/`.urgent` before normal before `.low`).
 * - Per-key order: records of one destination are sharded by key; a shard sends one batch at a time.
 * - At-least-once without duplicates from retries: a source offset is committed when every output of it (fan-out:
 *   one per matching INSERT) is acknowledged by Kafka, in offset order per partition. Outputs go through one
 *   idempotent producer (engine/writer.ts); a transient produce failure is retried with backoff, never
 *   dead-lettered. A record that cannot be evaluated, or that Kafka refuses (too large), goes to the DLQ with the
 *   reason in headers, so records in = records filtered + records out + dead letters. Commit and topic-creation
 *   errors are retried or fail the engine (`done` rejects with a KamfError), never swallowed.
 *
 * This module wires the run phase: engine/intake.ts (consumers, pause/resume, offsets), engine/evaluate.ts (rows,
 * views, WHERE and SELECT per route), engine/output.ts (produce pipeline, dead letters). It does not import the
 * SQL planner, so running a plan does not load the parser.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { isKamfError } from '../core/errors.js';
import type { Row } from './expr.js';
import { emptyStats, RateMeter, statsChannel, type RouterStats, type RouterStatsSnapshot } from './metrics.js';
import type { RouterPlan, TablePlan } from './plan.js';
import type { DestinationOptions } from './engine/destinations.js';
import { CompiledPlan } from './engine/evaluate.js';
import { Intake, type InFlight, type SourceGroup } from './engine/intake.js';
import { OutputWriter, type Output } from './engine/output.js';
import { traceRoute } from './engine/trace.js';
import { metricsOn, tracingOn } from '../core/telemetry.js';
import { observeRouter } from './engine/otel-metrics.js';
import type { MetricCallbacks } from '../core/telemetry-callbacks.js';
import type { DecodeAvro } from './engine/rows.js';

export { laneOf, type DestinationOptions } from './engine/destinations.js';

export interface RxjsEngineOptions {
  plan: RouterPlan;
  /** A Kafka client for a table's brokers (SASL/TLS and logging from KAMF's config). */
  kafkaFor: (brokers: string[]) => Kafka;
  /** Decodes a Confluent-framed Avro value to a plain object; needed only for avro-confluent sources. */
  decodeAvro?: DecodeAvro;
  /** Records read but not yet written, at most. Default 2000. */
  maxInFlight?: number;
  /** By destination (`agent.<name>` or topic, with prefix) or by bare agent name. */
  destinations?: Record<string, DestinationOptions>;
  defaultDestination?: DestinationOptions;
  maxBatch?: number;
  /** How long a batch waits for more records; 0 = only what arrived together. Default 0. */
  lingerMs?: number;
  /** Where records that cannot be evaluated or produced go. Default a2a.dlq. */
  dlqTopic?: string;
  commitIntervalMs?: number;
  statsIntervalMs?: number;
  /**
   * Create missing source, sink and DLQ topics at start. Flink relies on the broker's auto-creation for sinks and
   * fails on a missing source; the embedded router creates both, so a first `kamf route` on a new prefix starts.
   * Default true.
   */
  createTopics?: boolean;
  /** Partitions of the source and sink topics the router creates (the DLQ gets one). Default 6. */
  sinkPartitions?: number;
  onStats?: (stats: RouterStatsSnapshot) => void;
  log?: (line: string) => void;
}

export class RxjsRouter {
  readonly stats: RouterStats;
  private readonly opts: Required<Pick<RxjsEngineOptions, 'maxInFlight' | 'maxBatch' | 'lingerMs' | 'dlqTopic' | 'commitIntervalMs' | 'statsIntervalMs' | 'sinkPartitions'>> & RxjsEngineOptions;
  private readonly compiled: CompiledPlan;
  private readonly intake: Intake;
  private readonly output: OutputWriter;
  private readonly meter = new RateMeter();
  private timers: NodeJS.Timeout[] = [];
  private observed?: MetricCallbacks;
  private stopping = false;
  private failure?: Error;
  private failed!: Promise<never>;
  private fail!: (err: Error) => void;

  constructor(options: RxjsEngineOptions) {
    this.opts = {
      maxInFlight: 2000,
      maxBatch: 500,
      lingerMs: 0,
      dlqTopic: 'a2a.dlq',
      commitIntervalMs: 200,
      statsIntervalMs: 1000,
      sinkPartitions: 6,
      ...options,
    };
    this.stats = emptyStats(this.opts.maxInFlight);
    this.failed = new Promise<never>((_, reject) => (this.fail = (err) => {
      this.failure ??= err;
      reject(err);
    }));
    this.failed.catch(() => {});
    const plan = options.plan;
    this.compiled = new CompiledPlan(plan, this.opts);
    this.intake = new Intake({
      plan,
      kafkaFor: (brokers) => this.opts.kafkaFor(brokers),
      stats: this.stats,
      maxInFlight: this.opts.maxInFlight,
      route: (g, tables, record) => this.route(g, tables, record),
      halted: () => this.stopping || this.failure !== undefined,
      fail: (err) => this.fail(err),
      log: this.opts.log,
      ...(this.opts.createTopics !== false ? { createSourcePartitions: this.opts.sinkPartitions } : {}),
    });
    this.output = new OutputWriter({
      plan,
      stats: this.stats,
      settings: this.opts,
      ack: (record, g) => this.intake.ack(record, g),
      groupOf: (topic) => this.intake.groupOf(topic),
      fail: (err) => this.fail(err),
    });
  }

  /**
   * One record just read: its outputs to the writer, or the record to the DLQ, or (no route kept it) settled.
   * Synchronous unless a source row needs decoding (avro-confluent), so a raw record costs no promise.
   */
  private route(g: SourceGroup, tables: TablePlan[], record: InFlight): void | Promise<void> {
    const outputs: Output[] = [];
    try {
      for (let i = 0; i < tables.length; i++) {
        const t = tables[i]!;
        const row = this.compiled.sourceRow(t, record.topic, record.partition, record.message);
        if (row instanceof Promise) return this.routeAsync(g, tables, record, outputs, i, row);
        this.compiled.outputsOf(t, row, record, outputs);
      }
    } catch (err) {
      this.evalFailed(g, record, err);
      return;
    }
    this.emit(g, record, outputs);
  }

  private async routeAsync(g: SourceGroup, tables: TablePlan[], record: InFlight, outputs: Output[], from: number, first: Promise<Row>): Promise<void> {
    try {
      for (let i = from; i < tables.length; i++) {
        const t = tables[i]!;
        const row = i === from ? await first : await this.compiled.sourceRow(t, record.topic, record.partition, record.message);
        this.compiled.outputsOf(t, row, record, outputs);
      }
    } catch (err) {
      this.evalFailed(g, record, err);
      return;
    }
    this.emit(g, record, outputs);
  }

  private evalFailed(g: SourceGroup, record: InFlight, err: unknown): void {
    record.pending = 1;
    const evalFailed = isKamfError(err, 'ROUTER_EVAL_FAILED');
    this.output.deadLetter(g, record, undefined, evalFailed ? err.message : `evaluation failed: ${(err as Error).message}`, evalFailed ? 'ROUTER_EVAL_FAILED' : 'ROUTER_DECODE_FAILED');
  }

  private emit(g: SourceGroup, record: InFlight, outputs: Output[]): void {
    if (outputs.length === 0) {
      this.stats.filtered++;
      this.intake.settle(g, record);
      return;
    }
    record.pending = outputs.length;
    if (tracingOn()) traceRoute(record.topic, record.partition, record.message, outputs);
    for (const o of outputs) this.output.push(o);
  }

  /**
   * Pure evaluation of one source row against every route (no Kafka): which sinks get which column values.
   * For tests and tooling; the engine itself goes through CompiledPlan.outputsOf.
   */
  evaluate(source: string, row: Row): Array<{ route: string; sink: string; values: Record<string, unknown> }> {
    return this.compiled.evaluate(source, row);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    await this.output.start((brokers) => this.opts.kafkaFor(brokers));
    this.timers.push(setInterval(() => void this.intake.flushCommits().catch((err: Error) => this.fail(err)), this.opts.commitIntervalMs));
    this.timers.push(setInterval(() => this.publishStats(), this.opts.statsIntervalMs));
    if (metricsOn()) this.observed = observeRouter(() => this.stats, () => this.intake.lag());
    await this.intake.start();
  }

  snapshot(): RouterStatsSnapshot {
    this.stats.lag = this.intake.lag();
    return this.meter.snapshot(this.stats);
  }

  private publishStats(): void {
    const snap = this.snapshot();
    this.opts.onStats?.(snap);
    if (statsChannel.hasSubscribers) statsChannel.publish(snap);
  }

  /** Resolves never; rejects when the engine fails (like a failed Flink job). */
  get done(): Promise<never> {
    return this.failed;
  }

  /** Stops reading, waits (up to `graceMs`) for what is in flight to be written, commits, disconnects. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.intake.stopReading();
    const deadline = Date.now() + graceMs;
    while (this.stats.inFlight > 0 && Date.now() < deadline && !this.failure) await sleep(20);
    await this.intake.flushCommits();
    for (const t of this.timers) clearInterval(t);
    this.publishStats();
    this.observed?.stop();
    await this.intake.disconnect();
    await this.output.stop();
  }
}
