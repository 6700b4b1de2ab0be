/** Reads the `agent.registry` topic for a directory: catch-up to the end offsets at start, decoding, poison records. */
import type { Admin, Consumer, KafkaMessage } from 'kafkajs';
import type { AgentRegistration } from '../../codec/index.js';
import { KamfError, isKamfError } from '../../core/errors.js';
import type { CardCheck } from '../../security/card-signing.js';
import { resolveConnection, type RegistryCodec, type RegistryConnection, type RegistryLogger } from './common.js';
import type { PoisonRecord } from './directory-types.js';

/** Registry outages are retried this many times (with backoff) before a record counts as poison. */
const DECODE_RETRIES = 3;

export interface RegistryFollowerOptions {
  connection: RegistryConnection;
  topic: string;
  /** A group of its own: no offsets are committed, every start reads the whole topic. */
  groupId: string;
  /** Delete the consumer group on stop (best effort). */
  deleteGroupOnStop: boolean;
  logger: RegistryLogger;
  /** One registry record: a registration, or null for a tombstone. */
  apply: (key: string, registration: AgentRegistration | null) => void;
  /** A record that could not be read was skipped (already counted and logged). */
  onPoison: (record: PoisonRecord) => void;
  /** Checks each card read (signature, own topics); a card it refuses is skipped like a poison record. */
  check?: CardCheck | undefined;
}

/** The error of anything asked of a stopped directory. */
export function directoryClosed(topic: string, what: string): KamfError {
  return new KamfError('REGISTRY_CLOSED', `${what}: the directory on ${topic} is stopped`, { details: { topic } });
}

export class RegistryFollower {
  readonly counters = { records: 0, tombstones: 0, decodeErrors: 0, untrustedCards: 0, lastDecodeError: undefined as PoisonRecord | undefined };
  private codec: RegistryCodec | undefined;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private stopped = false;
  /** Catch-up bookkeeping: end offsets at start, and the next offset to read per partition. */
  private targets = new Map<number, bigint>();
  private readonly positions = new Map<number, bigint>();
  private onCaughtUp: (() => void) | undefined;
  /** The refused card per key: its heartbeats repeat it, and are skipped without checking or logging again. */
  private readonly refused = new Map<string, string>();
  private abortCatchUp: ((err: Error) => void) | undefined;

  constructor(private readonly opts: RegistryFollowerOptions) {}

  /** End offsets at start and positions reached, per partition (for a catch-up timeout's details). */
  progress(): { targets: Record<number, string>; positions: Record<number, string> } {
    return {
      targets: Object.fromEntries([...this.targets].map(([p, o]) => [p, o.toString()])),
      positions: Object.fromEntries([...this.positions].map(([p, o]) => [p, o.toString()])),
    };
  }

  /** Connects and resolves once the topic has been read up to the end offsets it had now. */
  async start(): Promise<void> {
    const { topic } = this.opts;
    const { kafka, codec } = resolveConnection(this.opts.connection, 'kamf-directory');
    this.codec = codec;
    this.admin = kafka.admin();
    await this.admin.connect();
    this.assertRunning();
    const topics = await this.admin.listTopics();
    if (!topics.includes(topic)) {
      throw new KamfError('KAFKA_ERROR', `registry topic ${topic} does not exist (create it compacted, e.g. with ensureTopics or "kamf infra up")`, {
        details: { topic },
      });
    }
    const offsets = await this.admin.fetchTopicOffsets(topic);
    this.assertRunning();
    this.targets = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    const caughtUp = new Promise<void>((resolve, reject) => {
      this.onCaughtUp = resolve;
      this.abortCatchUp = reject;
    });
    this.checkCaughtUp();

    this.consumer = kafka.consumer({ groupId: this.opts.groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // batches of control records or compacted-away offsets deliver no message but still move the position
      if (payload.topic !== topic) return;
      this.advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.opts.logger.warn(`directory consumer on ${topic} crashed${payload.restart ? '; kafkajs restarts it' : ' and will not restart'}`, {
        error: payload.error.message,
      });
    });
    await this.consumer.connect();
    this.assertRunning();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    this.assertRunning();
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        await this.handle(partition, message);
        this.advance(partition, BigInt(message.offset) + 1n);
      },
    });
    await caughtUp;
  }

  /** start() gave up (timeout) or stop() came first: whatever start() still does must not leak clients. */
  private assertRunning(): void {
    if (this.stopped) throw directoryClosed(this.opts.topic, 'start()');
  }

  private async handle(partition: number, message: KafkaMessage): Promise<void> {
    this.counters.records++;
    const key = message.key?.toString('utf8');
    if (!key) {
      this.poison(partition, message.offset, undefined, new KamfError('CODEC_DECODE_FAILED', 'registry record without a key'));
      return;
    }
    let registration: AgentRegistration | null = null;
    if (message.value === null) {
      this.counters.tombstones++;
      this.refused.delete(key);
    } else {
      try {
        registration = await this.decode(message.value);
      } catch (err) {
        this.poison(partition, message.offset, key, err as Error);
        return;
      }
      if (this.opts.check) {
        const fingerprint = JSON.stringify(registration.card);
        if (this.refused.get(key) === fingerprint) return;
        try {
          await this.opts.check(registration.card, registration.agentName);
          this.refused.delete(key);
        } catch (err) {
          // a forged, unsigned or foreign-topic card: never offered; the instance keeps its previous state
          this.refused.set(key, fingerprint);
          this.counters.untrustedCards++;
          this.poison(partition, message.offset, key, err as Error);
          return;
        }
      }
    }
    this.opts.apply(key, registration);
  }

  /** Decodes a value; registry outages (not bad bytes) are retried with backoff. */
  private async decode(value: Buffer): Promise<AgentRegistration> {
    const codec = this.codec!;
    for (let attempt = 0; ; attempt++) {
      try {
        return await codec.decodeAgentRegistration(value);
      } catch (err) {
        if (!isKamfError(err, 'SCHEMA_REGISTRY_ERROR') || attempt >= DECODE_RETRIES || this.stopped) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private poison(partition: number, offset: string, key: string | undefined, error: Error): void {
    const record: PoisonRecord = { partition, offset, key, error };
    this.counters.decodeErrors++;
    this.counters.lastDecodeError = record;
    this.opts.logger.warn(`skipping unreadable record in ${this.opts.topic} (partition ${partition}, offset ${offset}, key ${key ?? '-'})`, {
      error: error.message,
      ...(isKamfError(error) ? { code: error.code } : {}),
    });
    try {
      this.opts.onPoison(record);
    } catch (err) {
      this.opts.logger.warn('a directory listener threw on poison', { error: (err as Error).message });
    }
  }

  private advance(partition: number, next: bigint): void {
    const current = this.positions.get(partition);
    if (current === undefined || next > current) this.positions.set(partition, next);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (!this.onCaughtUp) return;
    for (const [partition, high] of this.targets) {
      if ((this.positions.get(partition) ?? -1n) < high) return;
    }
    const done = this.onCaughtUp;
    this.onCaughtUp = undefined;
    this.abortCatchUp = undefined;
    done();
  }

  /** Stops reading and releases the clients; a start() still under way rejects with REGISTRY_CLOSED. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.onCaughtUp = undefined;
    this.abortCatchUp?.(directoryClosed(this.opts.topic, 'start()'));
    this.abortCatchUp = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.disconnect().catch(() => undefined);
    const admin = this.admin;
    this.admin = undefined;
    if (admin) {
      if (this.opts.deleteGroupOnStop && consumer) await admin.deleteGroups([this.opts.groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}
