/**
 * AgentPublisher: one agent instance announcing itself on `agent.registry`.
 *
 * Record key `<agentName>/<instanceId>` (see common.ts for why not the bare agent name); value an
 * `AgentRegistration` (Avro, Confluent wire format, subject `<topic>-value`). Lifecycle:
 * - `start()` writes status UP and re-writes it every `heartbeatMs` with a fresh `heartbeatAt`;
 * - `updateCard(card)` re-writes at once (an agent's MCP tools changed, so did its skills);
 * - `drain()` writes DRAINING (directories drop the instance, heartbeats keep saying DRAINING);
 * - `stop()` stops the heartbeat and writes a tombstone, so compaction forgets the instance;
 * - `kill()` (tests, chaos) stops the heartbeat and disconnects WITHOUT a tombstone, like a crash: directories
 *   see the instance expire `ttlMs` after its last heartbeat.
 * Writes are serialised (a tombstone never overtakes a heartbeat) through an idempotent producer with acks=all
 * and one request in flight. A failed heartbeat is logged and retried at the next tick; it never throws.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import type { Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import type { AgentRegistration, AgentStatus } from '../../codec/index.js';
import { KamfError } from '../../core/errors.js';
import { signCard, type CardSigningKey } from '../../security/card-signing.js';
import {
  DEFAULT_REGISTRY_TOPIC,
  INSTANCE_ID_PATTERN,
  agentNameSchema,
  clockSchema,
  connectionSchema,
  consoleLogger,
  describeRegistration,
  loggerSchema,
  parseOptions,
  registryKey,
  resolveConnection,
  topicSchema,
  withTimeout,
  type RegistryCodec,
  type RegistryConnection,
  type RegistryLogger,
} from './common.js';

export interface AgentPublisherOptions {
  connection: RegistryConnection;
  /** The agent's routing name (`agent.<name>.requests`); not necessarily `card.name`, which is for humans. */
  agentName: string;
  card: AgentCard;
  /** Default: a random UUID, so every process is its own instance. */
  instanceId?: string;
  /** Default `agent.registry`. */
  topic?: string;
  /** Default 5 000 ms. */
  heartbeatMs?: number;
  /** How long after its last heartbeat an instance counts as gone. Default 3 × heartbeatMs; at least heartbeatMs. */
  ttlMs?: number;
  /** Upper bound of one write (connect included), ms. Default 10 000. */
  sendTimeoutMs?: number;
  logger?: RegistryLogger;
  /** Clock, epoch millis (tests). */
  now?: () => number;
  /** Sign the card (JWS, A2A §8.4) before it is published, so directories that require signatures offer it. */
  signingKey?: CardSigningKey;
}

const cardSchema = z.custom<AgentCard>((v) => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string', {
  message: 'expected an AgentCard (an object with a name)',
});

const optionsSchema = z
  .object({
    connection: connectionSchema,
    agentName: agentNameSchema,
    card: cardSchema,
    instanceId: z.string().regex(INSTANCE_ID_PATTERN, 'expected 1-200 characters without "/" or whitespace').optional(),
    topic: topicSchema.default(DEFAULT_REGISTRY_TOPIC),
    heartbeatMs: z.number().int().min(10).max(3_600_000).default(5_000),
    ttlMs: z.number().int().positive().optional(),
    sendTimeoutMs: z.number().int().positive().default(10_000),
    logger: loggerSchema.default(consoleLogger),
    now: clockSchema.default(() => Date.now),
    signingKey: z.custom<CardSigningKey>((v) => typeof v === 'object' && v !== null && typeof (v as { kid?: unknown }).kid === 'string', {
      message: 'expected a signing key { privateKey, kid, alg? }',
    }).optional(),
  })
  .refine((o) => o.ttlMs === undefined || o.ttlMs >= o.heartbeatMs, {
    path: ['ttlMs'],
    message: 'must be at least heartbeatMs, or the instance expires between two heartbeats',
  });

export type PublisherState = 'new' | 'running' | 'draining' | 'stopped';

export interface PublisherStats {
  /** Registrations written (start, heartbeats, card updates, drain). */
  published: number;
  /** Heartbeats that failed (logged, retried at the next tick). */
  failedHeartbeats: number;
}

export class AgentPublisher {
  readonly agentName: string;
  readonly instanceId: string;
  readonly topic: string;
  /** The compacted record key: `<agentName>/<instanceId>`. */
  readonly key: string;
  readonly heartbeatMs: number;
  readonly ttlMs: number;

  private readonly connection: RegistryConnection;
  private readonly sendTimeoutMs: number;
  private readonly logger: RegistryLogger;
  private readonly now: () => number;
  private readonly signingKey: CardSigningKey | undefined;
  private card: AgentCard;
  private codec: RegistryCodec | undefined;
  private producer: Producer | undefined;
  private startedAt = 0;
  private currentState: PublisherState = 'new';
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private last: AgentRegistration | undefined;
  private readonly counters: PublisherStats = { published: 0, failedHeartbeats: 0 };

  constructor(options: AgentPublisherOptions) {
    const o = parseOptions('AgentPublisher', optionsSchema, options);
    this.connection = o.connection;
    this.agentName = o.agentName;
    this.card = o.card;
    this.instanceId = o.instanceId ?? randomUUID();
    this.topic = o.topic;
    this.key = registryKey(this.agentName, this.instanceId);
    this.heartbeatMs = o.heartbeatMs;
    this.ttlMs = o.ttlMs ?? 3 * o.heartbeatMs;
    this.sendTimeoutMs = o.sendTimeoutMs;
    this.logger = o.logger;
    this.now = o.now;
    this.signingKey = o.signingKey;
  }

  get state(): PublisherState {
    return this.currentState;
  }

  /** The last registration written, if any. */
  get registration(): AgentRegistration | undefined {
    return this.last;
  }

  get stats(): PublisherStats {
    return { ...this.counters };
  }

  /** Connects, writes status UP and starts the heartbeat. Throws when the first write fails (nothing keeps running). */
  async start(): Promise<void> {
    if (this.currentState !== 'new') throw new KamfError('REGISTRY_CLOSED', `publisher ${this.key} was already started`);
    const { kafka, codec } = resolveConnection(this.connection, `kamf-registry-${this.agentName}`);
    this.codec = codec;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.startedAt = this.now();
    this.currentState = 'running';
    try {
      this.card = await this.signed(this.card);
      await withTimeout(this.checkTopic(kafka), this.sendTimeoutMs, () => this.timeoutError('topic check'));
      await withTimeout(this.producer.connect(), this.sendTimeoutMs, () => this.timeoutError('connect'));
      await this.serial(() => this.publish('UP'));
    } catch (err) {
      this.currentState = 'stopped';
      await this.producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.schedule();
  }

  /** Replaces the card and writes it at once (keeps the current status). */
  async updateCard(card: AgentCard): Promise<void> {
    this.assertActive('updateCard');
    this.card = await this.signed(parseOptions('AgentPublisher.updateCard', cardSchema, card));
    await this.serial(() => this.publish(this.status()));
    this.schedule();
  }

  /** Writes status DRAINING: directories stop offering this instance; heartbeats go on saying DRAINING. */
  async drain(): Promise<void> {
    this.assertActive('drain');
    this.currentState = 'draining';
    await this.serial(() => this.publish('DRAINING'));
    this.schedule();
  }

  /**
   * Stops the heartbeat, writes a tombstone for this instance and disconnects. Safe to call twice. A tombstone
   * that cannot be written is logged, not thrown: directories then see the instance expire after its TTL.
   */
  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    const wasStarted = this.currentState !== 'new';
    this.currentState = 'stopped';
    this.clearTimer();
    if (!wasStarted || !this.producer) return;
    const producer = this.producer;
    try {
      await this.serial(() => this.send(null));
    } catch (err) {
      this.logger.warn(`could not write the tombstone of ${this.key}; directories will expire it after ${this.ttlMs} ms`, {
        error: (err as Error).message,
      });
    }
    await producer.disconnect().catch(() => undefined);
  }

  /**
   * Simulates a crash (tests, chaos drills): stops heartbeating and disconnects without a tombstone, so
   * directories see the instance expire `ttlMs` after its last heartbeat.
   */
  async kill(): Promise<void> {
    if (this.currentState === 'stopped') return;
    this.currentState = 'stopped';
    this.clearTimer();
    await this.queue.catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  // ---- internals ---------------------------------------------------------------------------------------

  /** The card as published: signed when a signing key is configured. */
  private async signed(card: AgentCard): Promise<AgentCard> {
    return this.signingKey ? signCard(card, this.signingKey) : card;
  }

  /** A missing topic would otherwise make the idempotent producer retry until the send timeout. */
  private async checkTopic(kafka: Kafka): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(this.topic)) {
        throw new KamfError('KAFKA_ERROR', `registry topic ${this.topic} does not exist (create it compacted, e.g. with ensureTopics or "kamf infra up")`, {
          details: { topic: this.topic },
        });
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private status(): AgentStatus {
    return this.currentState === 'draining' ? 'DRAINING' : 'UP';
  }

  private assertActive(op: string): void {
    if (this.currentState === 'new') throw new KamfError('REGISTRY_CLOSED', `publisher ${this.key}: ${op}() before start()`);
    if (this.currentState === 'stopped') throw new KamfError('REGISTRY_CLOSED', `publisher ${this.key}: ${op}() after stop()`);
  }

  /** (Re)arms the heartbeat timer: the next heartbeat comes `heartbeatMs` after the last write. */
  private schedule(): void {
    this.clearTimer();
    if (this.currentState !== 'running' && this.currentState !== 'draining') return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.serial(() => this.publish(this.status()))
        .catch((err: unknown) => {
          this.counters.failedHeartbeats++;
          this.logger.warn(`heartbeat of ${this.key} failed; retrying in ${this.heartbeatMs} ms`, { error: (err as Error).message });
        })
        .finally(() => {
          if (!this.timer) this.schedule();
        });
    }, this.heartbeatMs);
    // the heartbeat alone must not keep a process alive
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs writes one after another, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async publish(status: AgentStatus): Promise<void> {
    // a heartbeat queued behind stop() or kill() must not resurrect the instance
    if (this.currentState === 'stopped') return;
    const registration: AgentRegistration = {
      agentName: this.agentName,
      card: this.card,
      instanceId: this.instanceId,
      startedAt: this.startedAt,
      heartbeatAt: this.now(),
      ttlMs: this.ttlMs,
      status,
    };
    await this.send(registration);
    this.last = registration;
    this.counters.published++;
  }

  private async send(registration: AgentRegistration | null): Promise<void> {
    const producer = this.producer;
    const codec = this.codec;
    if (!producer || !codec) throw new KamfError('REGISTRY_CLOSED', `publisher ${this.key} is not started`);
    const value = registration === null ? null : await codec.encodeAgentRegistration(this.topic, registration);
    try {
      await withTimeout(
        producer.send({ topic: this.topic, acks: -1, messages: [{ key: this.key, value }] }),
        this.sendTimeoutMs,
        () => this.timeoutError(registration === null ? 'tombstone' : `registration (${registration.status})`),
      );
    } catch (err) {
      if (err instanceof KamfError) throw err;
      throw new KamfError('KAFKA_ERROR', `writing ${registration === null ? 'the tombstone' : 'the registration'} of ${this.key} to ${this.topic} failed: ${(err as Error).message}`, {
        cause: err,
        details: { topic: this.topic, key: this.key, ...(registration ? describeRegistration(registration) : {}) },
      });
    }
  }

  private timeoutError(what: string): KamfError {
    return new KamfError('REGISTRY_TIMEOUT', `${what} of ${this.key} on ${this.topic} took longer than ${this.sendTimeoutMs} ms`, {
      details: { topic: this.topic, key: this.key, timeoutMs: this.sendTimeoutMs },
    });
  }
}
