/**
 * AgentDirectory: every live agent instance, read from the compacted `agent.registry` topic.
 *
 * - Reads the whole topic from the beginning in a consumer group of its own (`kamf-directory-<uuid>`, no offsets
 *   committed), so every directory sees every registration. The group is deleted on stop (best effort).
 * - `start()` resolves once the directory has read up to the end offsets the topic had when it started
 *   (`admin.fetchTopicOffsets`), so `list()` right after `start()` is the registry as it was then.
 *   Records read while catching up change the state silently; when caught up, the directory emits `joined`
 *   for every live instance, then one event per change.
 * - Liveness rules and events: see view.ts (`joined`, `updated`, `left` with reason tombstone / draining /
 *   expired). Expiry is checked on a timer (default every second).
 * - A record that cannot be decoded (poison in agent.registry) is counted, logged and skipped; the instance it
 *   was meant for keeps its previous state. Registry outages are retried a few times before a record counts as
 *   poison.
 * Events arrive through the EventEmitter API (`on('joined', ...)`) or the async iterable `watch()`.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import type { AgentRegistration } from '../../codec/index.js';
import { KamfError, isKamfError } from '../../core/errors.js';
import {
  DEFAULT_REGISTRY_TOPIC,
  agentNameSchema,
  clockSchema,
  connectionSchema,
  consoleLogger,
  loggerSchema,
  parseOptions,
  resolveConnection,
  topicSchema,
  withTimeout,
  type RegistryCodec,
  type RegistryConnection,
  type RegistryLogger,
} from './common.js';
import {
  RegistryView,
  type DirectoryEvent,
  type JoinedEvent,
  type LeftEvent,
  type LiveAgent,
  type LiveInstance,
  type UpdatedEvent,
} from './view.js';

export interface AgentDirectoryOptions {
  connection: RegistryConnection;
  /** Default `agent.registry`. */
  topic?: string;
  /** Default `kamf-directory-<uuid>`: a group of its own, so this directory reads every partition. */
  groupId?: string;
  /** How often TTLs are checked, ms. Default 1 000. */
  expiryCheckMs?: number;
  /** Upper bound of `start()` (connect + catch-up), ms. Default 30 000. */
  startTimeoutMs?: number;
  /** Delete the consumer group on stop (best effort). Default true. */
  deleteGroupOnStop?: boolean;
  logger?: RegistryLogger;
  /** Clock, epoch millis (tests). */
  now?: () => number;
}

const optionsSchema = z.object({
  connection: connectionSchema,
  topic: topicSchema.default(DEFAULT_REGISTRY_TOPIC),
  groupId: z.string().min(1).optional(),
  expiryCheckMs: z.number().int().min(10).max(3_600_000).default(1_000),
  startTimeoutMs: z.number().int().positive().default(30_000),
  deleteGroupOnStop: z.boolean().default(true),
  logger: loggerSchema.default(consoleLogger),
  now: clockSchema.default(() => Date.now),
});

const waitForSchema = z.object({
  timeoutMs: z.number().int().nonnegative().default(10_000),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'expected an AbortSignal' }).optional(),
});

export interface WaitForOptions {
  /** Default 10 000 ms; 0 = only what is known now. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** First yield a `joined` event for every instance live now. Default false. */
  replay?: boolean;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** A record of agent.registry that could not be read. */
export interface PoisonRecord {
  partition: number;
  offset: string;
  key: string | undefined;
  error: Error;
}

export interface DirectoryStats {
  /** Records read, tombstones included. */
  records: number;
  tombstones: number;
  /** Poison records skipped. */
  decodeErrors: number;
  lastDecodeError: PoisonRecord | undefined;
  /** Registry entries held, live or not. */
  entries: number;
  liveInstances: number;
}

export interface DirectoryEventMap {
  joined: [JoinedEvent];
  updated: [UpdatedEvent];
  left: [LeftEvent];
  /** A poison record was skipped. */
  poison: [PoisonRecord];
}

export type DirectoryState = 'new' | 'starting' | 'ready' | 'stopped';

/** Registry outages are retried this many times (with backoff) before a record counts as poison. */
const DECODE_RETRIES = 3;

export class AgentDirectory extends EventEmitter<DirectoryEventMap> {
  readonly topic: string;
  readonly groupId: string;

  private readonly connection: RegistryConnection;
  private readonly expiryCheckMs: number;
  private readonly startTimeoutMs: number;
  private readonly deleteGroupOnStop: boolean;
  private readonly logger: RegistryLogger;
  private readonly now: () => number;
  private readonly view = new RegistryView();
  private currentState: DirectoryState = 'new';
  private codec: RegistryCodec | undefined;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly closers = new Set<() => void>();
  private readonly counters = { records: 0, tombstones: 0, decodeErrors: 0, lastDecodeError: undefined as PoisonRecord | undefined };
  /** Catch-up bookkeeping: end offsets at start, and the next offset to read per partition. */
  private targets = new Map<number, bigint>();
  private readonly positions = new Map<number, bigint>();
  private onCaughtUp: (() => void) | undefined;
  private abortCatchUp: ((err: Error) => void) | undefined;

  constructor(options: AgentDirectoryOptions) {
    super();
    const o = parseOptions('AgentDirectory', optionsSchema, options);
    this.connection = o.connection;
    this.topic = o.topic;
    this.groupId = o.groupId ?? `kamf-directory-${randomUUID()}`;
    this.expiryCheckMs = o.expiryCheckMs;
    this.startTimeoutMs = o.startTimeoutMs;
    this.deleteGroupOnStop = o.deleteGroupOnStop;
    this.logger = o.logger;
    this.now = o.now;
  }

  get state(): DirectoryState {
    return this.currentState;
  }

  get stats(): DirectoryStats {
    return { ...this.counters, entries: this.view.size, liveInstances: this.view.liveInstances().length };
  }

  /**
   * Connects, reads the topic up to the end offsets it has now, emits `joined` for every live instance, and
   * resolves. Rejects (and releases everything) when the topic does not exist or catch-up takes longer than
   * `startTimeoutMs`.
   */
  async start(): Promise<void> {
    if (this.currentState !== 'new') throw new KamfError('REGISTRY_CLOSED', `directory on ${this.topic} was already started`);
    this.currentState = 'starting';
    try {
      await withTimeout(this.connectAndCatchUp(), this.startTimeoutMs, () =>
        new KamfError('REGISTRY_TIMEOUT', `directory did not catch up with ${this.topic} within ${this.startTimeoutMs} ms`, {
          details: { topic: this.topic, targets: Object.fromEntries([...this.targets].map(([p, o]) => [p, o.toString()])), positions: Object.fromEntries([...this.positions].map(([p, o]) => [p, o.toString()])) },
        }),
      );
    } catch (err) {
      this.currentState = 'stopped';
      await this.release();
      throw err;
    }
    if (this.currentState !== 'starting') return; // stopped while starting
    this.currentState = 'ready';
    for (const e of this.view.snapshot()) this.emitEvent(e);
    this.expiryTimer = setInterval(() => {
      for (const e of this.view.expire(this.now())) this.emitEvent(e);
    }, this.expiryCheckMs);
    this.expiryTimer.unref?.();
  }

  /** Stops reading, ends every `watch()` and rejects every pending `waitFor()`. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    this.currentState = 'stopped';
    for (const close of [...this.closers]) close();
    await this.release();
  }

  /** Live agents, by name, each with its live instances. */
  list(): LiveAgent[] {
    return this.view.agents();
  }

  /** One live agent, or undefined. */
  get(agentName: string): LiveAgent | undefined {
    return this.view.agent(agentName);
  }

  /** Every live instance. */
  instances(): LiveInstance[] {
    return this.view.liveInstances();
  }

  /**
   * Agents with a skill whose id equals `query`, or whose name, description or a tag contains it
   * (case-insensitive), judged on each agent's newest card.
   */
  findBySkill(query: string): LiveAgent[] {
    return this.view.findBySkill(String(query));
  }

  /**
   * Resolves with the agent as soon as it has a live instance; rejects with REGISTRY_AGENT_NOT_FOUND (naming the
   * live agents) after `timeoutMs`, with REGISTRY_CLOSED when the directory stops, or with the signal's reason.
   */
  waitFor(agentName: string, options: WaitForOptions = {}): Promise<LiveAgent> {
    const name = parseOptions('AgentDirectory.waitFor', agentNameSchema, agentName);
    const { timeoutMs, signal } = parseOptions('AgentDirectory.waitFor', waitForSchema, options);
    const known = this.view.agent(name);
    if (known) return Promise.resolve(known);
    if (this.currentState === 'stopped') return Promise.reject(this.closedError(`waitFor("${name}")`));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<LiveAgent>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(this.notFoundError(name, timeoutMs));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('joined', onJoined);
        this.closers.delete(onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      const onJoined = (e: JoinedEvent) => {
        if (e.agentName !== name) return;
        const agent = this.view.agent(name);
        if (!agent) return;
        cleanup();
        resolve(agent);
      };
      const onClose = () => {
        cleanup();
        reject(this.closedError(`waitFor("${name}")`));
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason as Error);
      };
      this.on('joined', onJoined);
      this.closers.add(onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Directory events as an async iterable. Listening starts when `watch()` is called (not at the first
   * `next()`); the iteration ends when the directory stops, the signal aborts, or the consumer breaks out.
   */
  watch(options: WatchOptions = {}): AsyncIterableIterator<DirectoryEvent> {
    const queue: DirectoryEvent[] = options.replay ? [...this.view.snapshot()] : [];
    let done = this.currentState === 'stopped';
    let wake: (() => void) | undefined;
    const push = (e: DirectoryEvent) => {
      queue.push(e);
      wake?.();
    };
    const finish = () => {
      if (done) return;
      done = true;
      this.off('joined', push);
      this.off('updated', push);
      this.off('left', push);
      this.closers.delete(finish);
      options.signal?.removeEventListener('abort', finish);
      wake?.();
    };
    if (!done) {
      this.on('joined', push);
      this.on('updated', push);
      this.on('left', push);
      this.closers.add(finish);
      if (options.signal?.aborted) finish();
      else options.signal?.addEventListener('abort', finish, { once: true });
    }
    const iterator: AsyncIterableIterator<DirectoryEvent> = {
      next: async (): Promise<IteratorResult<DirectoryEvent>> => {
        for (;;) {
          const e = queue.shift();
          if (e) return { value: e, done: false };
          if (done) return { value: undefined, done: true };
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<DirectoryEvent>> => {
        finish();
        queue.length = 0;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  // ---- consuming ---------------------------------------------------------------------------------------

  private async connectAndCatchUp(): Promise<void> {
    const { kafka, codec } = resolveConnection(this.connection, 'kamf-directory');
    this.codec = codec;
    this.admin = kafka.admin();
    await this.admin.connect();
    this.assertStarting();
    const topics = await this.admin.listTopics();
    if (!topics.includes(this.topic)) {
      throw new KamfError('KAFKA_ERROR', `registry topic ${this.topic} does not exist (create it compacted, e.g. with ensureTopics or "kamf infra up")`, {
        details: { topic: this.topic },
      });
    }
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    this.assertStarting();
    this.targets = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    const caughtUp = new Promise<void>((resolve, reject) => {
      this.onCaughtUp = resolve;
      this.abortCatchUp = reject;
    });
    this.checkCaughtUp();

    this.consumer = kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // batches of control records or compacted-away offsets deliver no message but still move the position
      if (payload.topic !== this.topic) return;
      this.advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.warn(`directory consumer on ${this.topic} crashed${payload.restart ? '; kafkajs restarts it' : ' and will not restart'}`, {
        error: payload.error.message,
      });
    });
    await this.consumer.connect();
    this.assertStarting();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.assertStarting();
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
  private assertStarting(): void {
    if (this.currentState !== 'starting') throw this.closedError('start()');
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
    } else {
      try {
        registration = await this.decode(message.value);
      } catch (err) {
        this.poison(partition, message.offset, key, err as Error);
        return;
      }
    }
    const events = this.view.apply(key, registration, this.now());
    if (this.currentState === 'ready') for (const e of events) this.emitEvent(e);
  }

  /** Decodes a value; registry outages (not bad bytes) are retried with backoff. */
  private async decode(value: Buffer): Promise<AgentRegistration> {
    const codec = this.codec!;
    for (let attempt = 0; ; attempt++) {
      try {
        return await codec.decodeAgentRegistration(value);
      } catch (err) {
        if (!isKamfError(err, 'SCHEMA_REGISTRY_ERROR') || attempt >= DECODE_RETRIES || this.currentState === 'stopped') throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private poison(partition: number, offset: string, key: string | undefined, error: Error): void {
    const record: PoisonRecord = { partition, offset, key, error };
    this.counters.decodeErrors++;
    this.counters.lastDecodeError = record;
    this.logger.warn(`skipping unreadable record in ${this.topic} (partition ${partition}, offset ${offset}, key ${key ?? '-'})`, {
      error: error.message,
      ...(isKamfError(error) ? { code: error.code } : {}),
    });
    try {
      this.emit('poison', record);
    } catch (err) {
      this.logger.warn('a directory listener threw on poison', { error: (err as Error).message });
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

  /** Emits one event; a throwing listener is logged, it must not stall the consumer. */
  private emitEvent(e: DirectoryEvent): void {
    try {
      switch (e.type) {
        case 'joined':
          this.emit('joined', e);
          break;
        case 'updated':
          this.emit('updated', e);
          break;
        case 'left':
          this.emit('left', e);
          break;
      }
    } catch (err) {
      this.logger.warn(`a directory listener threw on ${e.type} of ${e.key}`, { error: (err as Error).message });
    }
  }

  private async release(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
    this.onCaughtUp = undefined;
    this.abortCatchUp?.(this.closedError('start()'));
    this.abortCatchUp = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.disconnect().catch(() => undefined);
    const admin = this.admin;
    this.admin = undefined;
    if (admin) {
      if (this.deleteGroupOnStop && consumer) await admin.deleteGroups([this.groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }

  private closedError(what: string): KamfError {
    return new KamfError('REGISTRY_CLOSED', `${what}: the directory on ${this.topic} is stopped`, { details: { topic: this.topic } });
  }

  private notFoundError(agentName: string, timeoutMs: number): KamfError {
    const live = this.view.agents().map((a) => a.agentName);
    const known = live.length ? `live agents: ${live.join(', ')}` : 'no agent is live';
    const where = this.currentState === 'ready' ? '' : ` (the directory is ${this.currentState}, not caught up)`;
    return new KamfError('REGISTRY_AGENT_NOT_FOUND', `agent "${agentName}" has no live instance in ${this.topic} after ${timeoutMs} ms${where}; ${known}`, {
      details: { agentName, topic: this.topic, timeoutMs, liveAgents: live },
    });
  }
}
