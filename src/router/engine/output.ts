/**
 * The output of the embedded engine: sink and DLQ topic creation, the produce pipeline (per destination: rate
 * limit by lane, key shards, batches) and dead letters. Separate because it is the only part that writes Kafka.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IHeaders, Kafka, Message } from 'kafkajs';
import { Subject, Subscription, concatMap, from, groupBy, mergeMap, type Observable } from 'rxjs';
import { HEADERS } from '../../binding/index.js';
import { KamfError, type KamfErrorCode } from '../../core/errors.js';
import { deadLetterChannel, type RouterStats } from '../metrics.js';
import { batchWithin, rateLimit } from '../operators.js';
import type { RouterPlan } from '../plan.js';
import { destinationOptions, laneOf, type DestinationSettings } from './destinations.js';
import type { InFlight, SourceGroup } from './intake.js';
import { createRouterTopics } from './topics.js';
import { FatalWrite, RefusedWrite, SerialWriter } from './writer.js';

/** One sink message of a source record, on its way to a destination. */
export interface Output {
  topic: string;
  destination: string;
  priority: number;
  shard: number;
  message: Message;
  record: InFlight;
  sink: string;
}

export interface OutputOptions {
  plan: RouterPlan;
  stats: RouterStats;
  settings: DestinationSettings & {
    maxBatch: number;
    lingerMs: number;
    dlqTopic: string;
    sinkPartitions: number;
    createTopics?: boolean;
    log?: (line: string) => void;
  };
  /** One write of the record is done (produced or dead-lettered). */
  ack: (record: InFlight, g?: SourceGroup) => void;
  groupOf: (topic: string) => SourceGroup;
  /** The engine cannot go on (the DLQ is not writable). */
  fail: (err: Error) => void;
}

export class OutputWriter {
  private readonly outputs$ = new Subject<Output>();
  private writer?: SerialWriter;
  private stopping = false;
  private pipeline?: Subscription;

  constructor(private readonly opts: OutputOptions) {}

  /** Connects the producer to the sinks' cluster (creating missing topics first) and starts the pipeline. */
  async start(kafkaFor: (brokers: string[]) => Kafka): Promise<void> {
    const plan = this.opts.plan;
    const sinkBrokers = new Set(plan.sinks.map((s) => plan.tables[s]!.brokers.join(',')));
    if (sinkBrokers.size > 1) throw new KamfError('ROUTER_SQL_UNSUPPORTED', 'The embedded engine writes to one cluster: all sinks must have the same bootstrap servers. Run it with the Flink engine.');
    const brokers = plan.tables[plan.sinks[0]!]!.brokers;
    const kafka = kafkaFor(brokers);
    if (this.opts.settings.createTopics !== false) await this.ensureTopics(kafka);
    this.writer = new SerialWriter({ kafka, stopping: () => this.stopping, log: this.opts.settings.log, onRetry: () => this.opts.stats.retries++, maxRecords: Math.max(2000, this.opts.settings.maxBatch) });
    await this.writer.start();
    this.pipeline = this.buildPipeline().subscribe({ error: (err: Error) => this.opts.fail(err) });
  }

  /** Queues one output for its destination. */
  push(o: Output): void {
    const d = (this.opts.stats.destinations[o.topic] ??= { produced: 0, queued: 0, batches: 0 });
    d.queued++;
    this.outputs$.next(o);
  }

  private async ensureTopics(kafka: Kafka): Promise<void> {
    const plan = this.opts.plan;
    const { dlqTopic, sinkPartitions } = this.opts.settings;
    // a 'topic-pattern' sink's topics are named by its rows: they exist already (an agent creates its own)
    const fixed = plan.sinks.filter((s) => plan.tables[s]!.topicPattern === undefined).map((s) => plan.tables[s]!.topic);
    const created = await createRouterTopics(kafka, [...new Set([...fixed, dlqTopic])].map((name) => ({ name, partitions: name === dlqTopic ? 1 : sinkPartitions })), 'topics');
    if (created.length === 0) return;
    this.opts.settings.log?.(`created topics ${created.join(', ')}`);
    // leaders are there (ensureTopics waits for them); kafkajs' retry of a partly written batch right after creation
    // still duplicates records, so the first produce waits a little longer
    await sleep(300);
  }

  private buildPipeline(): Observable<unknown> {
    const plan = this.opts.plan;
    const destinations = new Set(plan.routes.map((r) => laneOf(plan.tables[r.sink]!.topic).destination));
    // rows of a 'topic-pattern' sink open destinations at run time: every one needs its own lane in the merge
    const open = plan.sinks.some((s) => plan.tables[s]!.topicPattern !== undefined);
    return this.outputs$.pipe(
      groupBy((o) => o.destination),
      mergeMap((dest$) => {
        const opts = destinationOptions(this.opts.settings, dest$.key);
        const shards = Math.max(1, opts.concurrency ?? 4);
        return dest$.pipe(
          rateLimit<Output>({ perSecond: opts.perSecond ?? Infinity, burst: opts.burst ?? Math.max(1, Math.ceil((opts.perSecond ?? 1) / 10)), priorityOf: (o) => o.priority }),
          groupBy((o) => o.shard),
          mergeMap((shard$) => shard$.pipe(batchWithin<Output>(this.opts.settings.maxBatch, this.opts.settings.lingerMs), concatMap((batch) => from(this.produce(dest$.key, batch)))), shards),
        );
      }, open ? Infinity : Math.max(1, destinations.size)),
    );
  }

  /** Writes a batch (retrying transient failures in the writer); only records Kafka refuses go to the DLQ. */
  private async produce(destination: string, batch: Output[]): Promise<void> {
    try {
      await this.writer!.write(batch); // an Output is a WriteRecord (topic, message): no copy per record
    } catch (err) {
      if (err instanceof FatalWrite || !(err instanceof RefusedWrite)) {
        // not authorized, or stopped before written: the offsets stay where they are and the records come again
        if (err instanceof FatalWrite) this.opts.fail(err);
        return;
      }
      if (batch.length > 1) {
        // one record of the batch was refused: write them one by one, so only the refused ones are dead-lettered
        await Promise.all(batch.map((o) => this.produce(destination, [o])));
        return;
      }
      this.opts.settings.log?.(`produce to ${destination} refused: ${err.message}; dead-lettering ${batch.length} records`);
      for (const o of batch) {
        this.opts.stats.destinations[o.topic]!.queued--;
        this.deadLetter(this.opts.groupOf(o.record.topic), o.record, o, `produce to ${o.topic} failed: ${err.message}`, 'ROUTER_PRODUCE_FAILED');
      }
      return;
    }
    for (const o of batch) {
      const d = this.opts.stats.destinations[o.topic]!;
      d.queued--;
      d.produced++;
      this.opts.stats.produced++;
    }
    this.opts.stats.destinations[batch[0]!.topic]!.batches++;
    for (const o of batch) this.opts.ack(o.record);
  }

  /** Writes the record (or one failed output of it) to the DLQ with the reason in headers, then acks it. */
  deadLetter(g: SourceGroup, record: InFlight, output: Output | undefined, reason: string, code: KamfErrorCode): void {
    this.opts.stats.deadLettered++;
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
    this.writer!.write([{ topic: this.opts.settings.dlqTopic, message: { key: m.key ?? null, value: m.value ?? null, headers } }]).then(
      () => this.opts.ack(record, g),
      (err: Error) => {
        if (this.stopping) return; // not written, so not committed: read again next time
        this.opts.fail(new KamfError('KAFKA_ERROR', `Router cannot write to the DLQ ${this.opts.settings.dlqTopic}: ${err.message}`, { cause: err }));
      },
    );
  }

  /** Ends the pipeline and disconnects the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.outputs$.complete();
    this.pipeline?.unsubscribe();
    await this.writer?.stop();
  }

  /** Records waiting for the writer (not yet in a produce request). */
  get queued(): number {
    return this.writer?.queued ?? 0;
  }
}
