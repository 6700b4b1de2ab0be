/**
 * The embedded engine: runs a routing plan (src/router/sql.ts) on kafkajs + RxJS.
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
 * - At-least-once: a source offset is committed when every output of it (fan-out: one per matching INSERT) is
 *   acknowledged by Kafka, in offset order per partition. A record that cannot be evaluated or produced goes to
 *   the DLQ with the reason in headers, so records in = records filtered + records out + dead letters.
 */
import type { Consumer, IHeaders, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { Subject, Subscription, concatMap, from, groupBy, mergeMap, type Observable } from 'rxjs';
import { HEADERS } from '../binding/protocol.js';
import { PartitionOffsets } from '../core/offsets.js';
import { KamfError } from '../core/errors.js';
import { compile, EvalError, inferType, type Compiled, type Row } from './expr.js';
import { deadLetterChannel, emptyStats, flowChannel, RateMeter, statsChannel, type RouterStats, type RouterStatsSnapshot } from './metrics.js';
import { batchWithin, rateLimit, shardOf } from './operators.js';
import type { Expr, RouterPlan, SqlType, TablePlan } from './plan.js';
import { relationColumns } from './sql.js';

export interface DestinationOptions {
  /** Records per second into this destination; default unlimited. */
  perSecond?: number;
  burst?: number;
  /** Produce calls in flight at once (key shards). Default 4. */
  concurrency?: number;
}

export interface RxjsEngineOptions {
  plan: RouterPlan;
  /** A Kafka client for a table's brokers (SASL/TLS and logging from KAMF's config). */
  kafkaFor: (brokers: string[]) => Kafka;
  /** Decodes a Confluent-framed Avro value to a plain object; needed only for avro-confluent sources. */
  decodeAvro?: (value: Buffer, registryUrl: string) => Promise<unknown>;
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
  /** Create missing sink and DLQ topics at start (as Flink's sink would, with broker auto-creation). Default true. */
  createTopics?: boolean;
  sinkPartitions?: number;
  onStats?: (stats: RouterStatsSnapshot) => void;
  log?: (line: string) => void;
}

interface InFlight {
  topic: string;
  partition: number;
  offset: string;
  pending: number;
  message: KafkaMessage;
}

interface Output {
  topic: string;
  destination: string;
  priority: number;
  shard: number;
  message: Message;
  record: InFlight;
  sink: string;
}

const LANE_PRIORITY: Record<string, number> = { urgent: 0, high: 0, normal: 1, '': 1, low: 2 };

/** The destination (agent) and lane priority of a sink topic. */
export function laneOf(topic: string): { destination: string; priority: number; lane: string } {
  const m = /^(.*agent\.[^.]+)\.requests(?:\.([^.]+))?$/.exec(topic);
  if (!m) return { destination: topic, priority: 1, lane: '' };
  const lane = m[2] ?? '';
  return { destination: m[1]!, priority: LANE_PRIORITY[lane] ?? 1, lane };
}

interface CompiledRoute {
  id: string;
  sink: TablePlan;
  from: string;
  where?: Compiled;
  projections: Array<{ column: string; value: Compiled }>;
  destination: string;
  priority: number;
}

interface CompiledView {
  from: string;
  where?: Compiled;
  columns: Array<{ name: string; value: Compiled }>;
}

interface SourceGroup {
  key: string;
  brokers: string[];
  groupId: string;
  tables: TablePlan[];
  topics: string[];
  consumer?: Consumer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RxjsRouter {
  readonly stats: RouterStats;
  private readonly opts: Required<Pick<RxjsEngineOptions, 'maxInFlight' | 'maxBatch' | 'lingerMs' | 'dlqTopic' | 'commitIntervalMs' | 'statsIntervalMs' | 'sinkPartitions'>> & RxjsEngineOptions;
  private readonly plan: RouterPlan;
  private readonly routesBySource = new Map<string, CompiledRoute[]>();
  private readonly views = new Map<string, CompiledView>();
  private readonly computed = new Map<string, Array<{ name: string; value: Compiled }>>();
  private readonly groups: SourceGroup[] = [];
  private readonly offsets = new Map<string, PartitionOffsets>();
  private readonly toCommit = new Map<string, { group: SourceGroup; topic: string; partition: number; offset: string }>();
  private readonly lagByPartition = new Map<string, number>();
  private readonly outputs$ = new Subject<Output>();
  private readonly meter = new RateMeter();
  private producer?: Producer;
  private pipeline?: Subscription;
  private timers: NodeJS.Timeout[] = [];
  private paused = false;
  private stopping = false;
  private roundRobin = 0;
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
    this.plan = options.plan;
    this.stats = emptyStats(this.opts.maxInFlight);
    this.failed = new Promise<never>((_, reject) => (this.fail = (err) => {
      this.failure ??= err;
      reject(err);
    }));
    this.failed.catch(() => {});
    this.compilePlan();
  }

  // ---- plan -> closures -----------------------------------------------------------------------------------------

  private typeLookup(relation: string): (x: Expr) => SqlType {
    const cols = relationColumns(this.plan, relation) ?? [];
    const lookup = (path: string[]) => cols.find((c) => c.name === path[0])?.type;
    return (x) => inferType(x, lookup);
  }

  private compilePlan(): void {
    for (const t of Object.values(this.plan.tables)) {
      const comp = t.columns.filter((c) => c.kind === 'computed');
      if (comp.length) this.computed.set(t.name, comp.map((c) => ({ name: c.name, value: compile(c.expr!, this.typeLookup(t.name)) })));
    }
    for (const v of Object.values(this.plan.views)) {
      const typeOf = this.typeLookup(v.from);
      this.views.set(v.name, {
        from: v.from,
        ...(v.where ? { where: compile(v.where, typeOf) } : {}),
        columns: v.columns.map((c) => ({ name: c.name, value: compile(c.expr, typeOf) })),
      });
    }
    for (const r of this.plan.routes) {
      const sink = this.plan.tables[r.sink]!;
      const typeOf = this.typeLookup(r.from);
      const { destination, priority } = laneOf(sink.topic);
      const compiled: CompiledRoute = {
        id: r.id,
        sink,
        from: r.from,
        ...(r.where ? { where: compile(r.where, typeOf) } : {}),
        projections: r.projections.map((p) => ({ column: p.column, value: compile(p.expr, typeOf) })),
        destination,
        priority,
      };
      const list = this.routesBySource.get(r.source) ?? [];
      list.push(compiled);
      this.routesBySource.set(r.source, list);
    }
    for (const name of this.plan.sources) {
      const t = this.plan.tables[name]!;
      const groupId = t.groupId ?? 'kamf-router';
      const key = `${t.brokers.join(',')}|${groupId}`;
      let g = this.groups.find((x) => x.key === key);
      if (!g) this.groups.push((g = { key, brokers: t.brokers, groupId, tables: [], topics: [] }));
      if (g.tables.length && g.tables[0]!.startup.mode !== t.startup.mode) {
        throw new KamfError('ROUTER_SQL_INVALID', `Tables ${g.tables[0]!.name} and ${t.name} share the consumer group ${groupId} but not 'scan.startup.mode'`);
      }
      g.tables.push(t);
      if (!g.topics.includes(t.topic)) g.topics.push(t.topic);
    }
  }

  private destinationOptions(destination: string): DestinationOptions {
    const bare = /agent\.([^.]+)$/.exec(destination)?.[1];
    return { concurrency: 4, ...this.opts.defaultDestination, ...(bare ? this.opts.destinations?.[bare] : {}), ...this.opts.destinations?.[destination] };
  }

  // ---- rows ---------------------------------------------------------------------------------------------------

  private async sourceRow(t: TablePlan, topic: string, partition: number, m: KafkaMessage): Promise<Row> {
    const row: Record<string, unknown> = {};
    for (const c of t.columns) {
      if (c.kind !== 'metadata') continue;
      switch (c.metadataKey ?? c.name) {
        case 'headers': {
          const map = new Map<string, Buffer>();
          for (const [k, v] of Object.entries(m.headers ?? {})) {
            const last = Array.isArray(v) ? v[v.length - 1] : v;
            if (last !== undefined) map.set(k, Buffer.isBuffer(last) ? last : Buffer.from(String(last)));
          }
          row[c.name] = map;
          break;
        }
        case 'timestamp':
          row[c.name] = Number(m.timestamp);
          break;
        case 'topic':
          row[c.name] = topic;
          break;
        case 'partition':
          row[c.name] = partition;
          break;
        case 'offset':
          row[c.name] = Number(m.offset);
          break;
        case 'timestamp-type':
          row[c.name] = 'CreateTime';
          break;
        default:
          row[c.name] = null;
      }
    }
    const asType = (col: string, buf: Buffer | null) => {
      const type = t.columns.find((c) => c.name === col)?.type.name;
      return buf === null ? null : type === 'STRING' ? buf.toString('utf8') : buf;
    };
    if (t.keyField) row[t.keyField] = asType(t.keyField, m.key ?? null);
    if (t.format === 'raw') {
      row[t.valueFields[0]!] = asType(t.valueFields[0]!, m.value ?? null);
    } else if (m.value) {
      if (!this.opts.decodeAvro) throw new EvalError('avro-confluent source without a registry client');
      const decoded = (await this.opts.decodeAvro(m.value, t.registryUrl!)) as Record<string, unknown>;
      for (const f of t.valueFields) row[f] = normalizeAvro(decoded?.[f]);
    } else {
      for (const f of t.valueFields) row[f] = null;
    }
    for (const c of this.computed.get(t.name) ?? []) row[c.name] = c.value(row);
    return row;
  }

  /** Rows of the relations a record reaches, computed once per record: undefined = filtered out by a view. */
  private relationRow(name: string, base: Map<string, Row | undefined>): Row | undefined {
    if (base.has(name)) return base.get(name);
    const v = this.views.get(name)!;
    const input = this.relationRow(v.from, base);
    let out: Row | undefined;
    if (input && (!v.where || v.where(input) === true)) {
      const r: Record<string, unknown> = {};
      for (const c of v.columns) r[c.name] = c.value(input);
      out = r;
    }
    base.set(name, out);
    return out;
  }

  /** Evaluates every route of a source table for one record. Throws EvalError for the DLQ. */
  private outputsOf(t: TablePlan, row: Row, record: InFlight): Output[] {
    const rows = new Map<string, Row | undefined>([[t.name, row]]);
    const out: Output[] = [];
    for (const r of this.routesBySource.get(t.name) ?? []) {
      const input = this.relationRow(r.from, rows);
      if (!input) continue;
      if (r.where && r.where(input) !== true) continue;
      const values: Record<string, unknown> = {};
      for (const p of r.projections) values[p.column] = p.value(input);
      const message = toMessage(r.sink, values);
      const opts = this.destinationOptions(r.destination);
      out.push({
        topic: r.sink.topic,
        destination: r.destination,
        priority: r.priority,
        shard: shardOf(message.key as Buffer | null, opts.concurrency ?? 4, this.roundRobin++),
        message,
        record,
        sink: r.sink.name,
      });
    }
    return out;
  }

  /**
   * Pure evaluation of one source row against every route (no Kafka): which sinks get which column values.
   * For tests and tooling; the engine itself goes through outputsOf.
   */
  evaluate(source: string, row: Row): Array<{ route: string; sink: string; values: Record<string, unknown> }> {
    const rows = new Map<string, Row | undefined>([[source, row]]);
    const out: Array<{ route: string; sink: string; values: Record<string, unknown> }> = [];
    for (const r of this.routesBySource.get(source) ?? []) {
      const input = this.relationRow(r.from, rows);
      if (!input || (r.where && r.where(input) !== true)) continue;
      const values: Record<string, unknown> = {};
      for (const p of r.projections) values[p.column] = p.value(input);
      out.push({ route: r.id, sink: r.sink.name, values });
    }
    return out;
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const sinkBrokers = new Set(this.plan.sinks.map((s) => this.plan.tables[s]!.brokers.join(',')));
    if (sinkBrokers.size > 1) throw new KamfError('ROUTER_SQL_UNSUPPORTED', 'The embedded engine writes to one cluster: all sinks must have the same bootstrap servers. Run it with the Flink engine.');
    const brokers = this.plan.tables[this.plan.sinks[0]!]!.brokers;
    const kafka = this.opts.kafkaFor(brokers);
    if (this.opts.createTopics !== false) await this.ensureTopics(kafka);
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.pipeline = this.buildPipeline().subscribe({ error: (err: Error) => this.fail(err) });
    this.timers.push(setInterval(() => void this.flushCommits(), this.opts.commitIntervalMs));
    this.timers.push(setInterval(() => this.publishStats(), this.opts.statsIntervalMs));
    for (const g of this.groups) await this.startGroup(g);
  }

  private async ensureTopics(kafka: Kafka): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const wanted = [...new Set([...this.plan.sinks.map((s) => this.plan.tables[s]!.topic), this.opts.dlqTopic])].filter((t) => !existing.has(t));
      if (wanted.length) {
        await admin
          .createTopics({ waitForLeaders: true, topics: wanted.map((topic) => ({ topic, numPartitions: topic === this.opts.dlqTopic ? 1 : this.opts.sinkPartitions })) })
          .catch(() => {}); // another router created them meanwhile
        this.opts.log?.(`created topics ${wanted.join(', ')}`);
        // a produce right after creation meets NOT_LEADER, and kafkajs' retry of a partly written batch duplicates
        // records: wait until every new partition reports a leader
        for (let i = 0; i < 50; i++) {
          const meta = await admin.fetchTopicMetadata({ topics: wanted }).catch(() => undefined);
          if (meta && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) break;
          await sleep(100);
        }
        await sleep(300);
      }
    } finally {
      await admin.disconnect();
    }
  }

  private buildPipeline(): Observable<unknown> {
    const destinations = new Set(this.plan.routes.map((r) => laneOf(this.plan.tables[r.sink]!.topic).destination));
    return this.outputs$.pipe(
      groupBy((o) => o.destination),
      mergeMap((dest$) => {
        const opts = this.destinationOptions(dest$.key);
        const shards = Math.max(1, opts.concurrency ?? 4);
        return dest$.pipe(
          rateLimit<Output>({ perSecond: opts.perSecond ?? Infinity, burst: opts.burst ?? Math.max(1, Math.ceil((opts.perSecond ?? 1) / 10)), priorityOf: (o) => o.priority }),
          groupBy((o) => o.shard),
          mergeMap((shard$) => shard$.pipe(batchWithin<Output>(this.opts.maxBatch, this.opts.lingerMs), concatMap((batch) => from(this.produce(dest$.key, batch)))), shards),
        );
      }, Math.max(1, destinations.size)),
    );
  }

  private async startGroup(g: SourceGroup): Promise<void> {
    const kafka = this.opts.kafkaFor(g.brokers);
    const consumer = kafka.consumer({ groupId: g.groupId, maxWaitTimeInMs: 50, sessionTimeout: 30_000, heartbeatInterval: 1000, maxBytesPerPartition: 256 * 1024 });
    g.consumer = consumer;
    await consumer.connect();
    const startup = g.tables[0]!.startup;
    const fromBeginning = startup.mode === 'earliest-offset' || (startup.mode === 'group-offsets' && startup.reset === 'earliest');
    for (const topic of g.topics) await consumer.subscribe({ topic, fromBeginning });
    if (startup.mode !== 'group-offsets') {
      // Flink's earliest-offset / latest-offset ignore committed offsets: seek once, on the first assignment
      let sought = false;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        if (sought) return;
        sought = true;
        void (async () => {
          const admin = kafka.admin();
          await admin.connect();
          try {
            for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
              const offs = await admin.fetchTopicOffsets(topic);
              for (const p of partitions) {
                const o = offs.find((x) => x.partition === p);
                if (o) consumer.seek({ topic, partition: p, offset: startup.mode === 'earliest-offset' ? o.low : o.high });
              }
            }
          } finally {
            await admin.disconnect();
          }
        })();
      });
    }
    const tablesByTopic = new Map<string, TablePlan[]>();
    for (const t of g.tables) tablesByTopic.set(t.topic, [...(tablesByTopic.get(t.topic) ?? []), t]);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const tables = tablesByTopic.get(batch.topic) ?? [];
        const lagKey = `${batch.topic}\u0000${batch.partition}`;
        const high = BigInt(batch.highWatermark);
        for (const message of batch.messages) {
          if (!isRunning() || isStale() || this.paused || this.stopping || this.failure) break;
          await this.admit(g, tables, batch.topic, batch.partition, message);
          resolveOffset(message.offset);
          this.lagByPartition.set(lagKey, Number(high - BigInt(message.offset) - 1n));
          if (this.stats.inFlight >= this.opts.maxInFlight) this.pause();
        }
        await heartbeat();
      },
    });
  }

  private async admit(g: SourceGroup, tables: TablePlan[], topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const record: InFlight = { topic, partition, offset: message.offset, pending: 0, message };
    this.stats.consumed++;
    this.stats.inFlight++;
    if (this.stats.inFlight > this.stats.peakInFlight) this.stats.peakInFlight = this.stats.inFlight;
    this.offsetsOf(topic).begin(partition, message.offset);
    const outputs: Output[] = [];
    try {
      for (const t of tables) outputs.push(...this.outputsOf(t, await this.sourceRow(t, topic, partition, message), record));
    } catch (err) {
      record.pending = 1;
      this.deadLetter(g, record, undefined, err instanceof EvalError ? err.message : `evaluation failed: ${(err as Error).message}`, err instanceof EvalError ? 'ROUTER_EVAL_FAILED' : 'ROUTER_DECODE_FAILED');
      return;
    }
    if (outputs.length === 0) {
      this.stats.filtered++;
      this.settle(g, record);
      return;
    }
    record.pending = outputs.length;
    for (const o of outputs) {
      const d = (this.stats.destinations[o.topic] ??= { produced: 0, queued: 0, batches: 0 });
      d.queued++;
      this.outputs$.next(o);
    }
  }

  private async produce(destination: string, batch: Output[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const o of batch) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o.message]);
    try {
      await this.producer!.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      for (const o of batch) {
        const d = this.stats.destinations[o.topic]!;
        d.queued--;
        d.produced++;
        this.stats.produced++;
      }
      const first = this.stats.destinations[batch[0]!.topic]!;
      first.batches++;
      for (const o of batch) this.ack(o.record);
    } catch (err) {
      this.opts.log?.(`produce to ${destination} failed: ${(err as Error).message}; dead-lettering ${batch.length} records`);
      for (const o of batch) {
        this.stats.destinations[o.topic]!.queued--;
        this.deadLetter(this.groupOf(o.record.topic), o.record, o, `produce to ${o.topic} failed: ${(err as Error).message}`, 'ROUTER_PRODUCE_FAILED');
      }
    }
  }

  private groupOf(topic: string): SourceGroup {
    return this.groups.find((g) => g.topics.includes(topic))!;
  }

  /** Writes the record (or one failed output of it) to the DLQ with the reason in headers, then acks it. */
  private deadLetter(g: SourceGroup, record: InFlight, output: Output | undefined, reason: string, code: string): void {
    this.stats.deadLettered++;
    const m = output?.message ?? { key: record.message.key, value: record.message.value, headers: record.message.headers ?? {} };
    const headers: IHeaders = {
      ...((m.headers as IHeaders | undefined) ?? {}),
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqCode]: code,
      [HEADERS.dlqTopic]: record.topic,
      [HEADERS.dlqPartition]: String(record.partition),
      [HEADERS.dlqOffset]: record.offset,
      ...(output ? { [HEADERS.dlqSinkTopic]: output.topic } : {}),
    };
    if (deadLetterChannel.hasSubscribers) deadLetterChannel.publish({ reason, code, topic: record.topic, partition: record.partition, offset: record.offset, sink: output?.topic });
    this.producer!.send({ topic: this.opts.dlqTopic, acks: -1, messages: [{ key: m.key ?? null, value: m.value ?? null, headers }] }).then(
      () => this.ack(record, g),
      (err: Error) => this.fail(new KamfError('KAFKA_ERROR', `Router cannot write to the DLQ ${this.opts.dlqTopic}: ${err.message}`, { cause: err })),
    );
  }

  private ack(record: InFlight, g?: SourceGroup): void {
    record.pending--;
    if (record.pending === 0) this.settle(g ?? this.groupOf(record.topic), record);
  }

  private settle(g: SourceGroup, record: InFlight): void {
    this.stats.inFlight--;
    const commit = this.offsetsOf(record.topic).finish(record.partition, record.offset);
    if (commit !== undefined) this.toCommit.set(`${g.key}\u0000${record.topic}\u0000${record.partition}`, { group: g, topic: record.topic, partition: record.partition, offset: commit });
    if (this.paused && this.stats.inFlight <= this.opts.maxInFlight / 2) this.resume();
  }

  private offsetsOf(topic: string): PartitionOffsets {
    let o = this.offsets.get(topic);
    if (!o) this.offsets.set(topic, (o = new PartitionOffsets()));
    return o;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stats.paused = true;
    this.stats.pauses++;
    for (const g of this.groups) g.consumer?.pause(g.topics.map((topic) => ({ topic })));
    if (flowChannel.hasSubscribers) flowChannel.publish({ event: 'pause', inFlight: this.stats.inFlight });
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.stats.paused = false;
    for (const g of this.groups) g.consumer?.resume(g.topics.map((topic) => ({ topic })));
    if (flowChannel.hasSubscribers) flowChannel.publish({ event: 'resume', inFlight: this.stats.inFlight });
  }

  private async flushCommits(): Promise<void> {
    if (this.toCommit.size === 0) return;
    const entries = [...this.toCommit.values()];
    this.toCommit.clear();
    for (const g of this.groups) {
      const mine = entries.filter((e) => e.group === g).map(({ topic, partition, offset }) => ({ topic, partition, offset }));
      if (mine.length === 0 || !g.consumer) continue;
      try {
        await g.consumer.commitOffsets(mine);
        this.stats.committed += mine.length;
      } catch {
        // partition moved during a rebalance: it is redelivered (at-least-once)
      }
    }
  }

  snapshot(): RouterStatsSnapshot {
    let lag = 0;
    for (const v of this.lagByPartition.values()) lag += Math.max(0, v);
    this.stats.lag = lag;
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
    for (const g of this.groups) g.consumer?.pause(g.topics.map((topic) => ({ topic })));
    const deadline = Date.now() + graceMs;
    while (this.stats.inFlight > 0 && Date.now() < deadline && !this.failure) await sleep(20);
    await this.flushCommits();
    for (const t of this.timers) clearInterval(t);
    this.publishStats();
    for (const g of this.groups) await g.consumer?.disconnect().catch(() => {});
    this.outputs$.complete();
    this.pipeline?.unsubscribe();
    await this.producer?.disconnect().catch(() => {});
  }
}

/** A sink row -> a Kafka message (raw key and value, headers and timestamp metadata). */
function toMessage(sink: TablePlan, values: Record<string, unknown>): Message {
  const bytes = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
  if (sink.format !== 'raw') throw new EvalError(`sink ${sink.name}: the embedded engine writes the raw format only`);
  const message: Message = { key: sink.keyField ? bytes(values[sink.keyField]) : null, value: bytes(values[sink.valueFields[0]!]) };
  for (const c of sink.columns) {
    if (c.kind !== 'metadata' || c.virtual) continue;
    const v = values[c.name];
    if ((c.metadataKey ?? c.name) === 'headers' && v instanceof Map) {
      const h: IHeaders = {};
      for (const [k, x] of v as Map<string, unknown>) if (x !== null && x !== undefined) h[k] = bytes(x)!;
      message.headers = h;
    } else if ((c.metadataKey ?? c.name) === 'timestamp' && v !== null && v !== undefined) {
      message.timestamp = String(Number(v));
    }
  }
  return message;
}

/** avsc values -> SQL values: Dates to epoch millis, longs to numbers; records and arrays recursively. */
function normalizeAvro(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(normalizeAvro);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = normalizeAvro(x);
    return out;
  }
  return v;
}
