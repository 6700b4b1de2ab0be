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
 *
 * Parts: follower.ts reads the topic (catch-up, decoding, poison), view.ts holds the cards and liveness,
 * waiting.ts serves `waitFor()` and `watch()`; this class wires them and owns the lifecycle and the expiry timer.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { KamfError } from '../../core/errors.js';
import { cardCheck, type CardPolicy } from '../../security/card-signing.js';
import {
  DEFAULT_REGISTRY_TOPIC,
  agentNameSchema,
  clockSchema,
  connectionSchema,
  consoleLogger,
  loggerSchema,
  parseOptions,
  topicSchema,
  withTimeout,
  type RegistryConnection,
  type RegistryLogger,
} from './common.js';
import type { DirectoryEventMap, DirectoryState, DirectoryStats, WaitForOptions, WatchOptions } from './directory-types.js';
import { RegistryFollower, directoryClosed } from './follower.js';
import { RegistryView, type DirectoryEvent, type LiveAgent, type LiveInstance } from './view.js';
import { DirectoryWaiters } from './waiting.js';

export type { DirectoryEventMap, DirectoryState, DirectoryStats, PoisonRecord, WaitForOptions, WatchOptions } from './directory-types.js';

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
  /**
   * Which cards to offer: with `trustedKeys`, only cards signed by one of them (unsigned and forged cards are
   * skipped, counted in `stats.untrustedCards` and reported as `poison`); by default a policy also skips cards that
   * name request topics other than the agent's own. Without a policy every card is offered.
   */
  cardPolicy?: CardPolicy;
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
  cardPolicy: z.custom<CardPolicy>((v) => typeof v === 'object' && v !== null, { message: 'expected a card policy { trustedKeys?, ownTopicsOnly? }' }).optional(),
});

const waitForSchema = z.object({
  timeoutMs: z.number().int().nonnegative().default(10_000),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'expected an AbortSignal' }).optional(),
});

export class AgentDirectory extends EventEmitter<DirectoryEventMap> {
  readonly topic: string;
  readonly groupId: string;

  private readonly expiryCheckMs: number;
  private readonly startTimeoutMs: number;
  private readonly logger: RegistryLogger;
  private readonly now: () => number;
  private readonly view = new RegistryView();
  private readonly follower: RegistryFollower;
  private readonly waiters: DirectoryWaiters;
  private currentState: DirectoryState = 'new';
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(options: AgentDirectoryOptions) {
    super();
    const o = parseOptions('AgentDirectory', optionsSchema, options);
    this.topic = o.topic;
    this.groupId = o.groupId ?? `kamf-directory-${randomUUID()}`;
    this.expiryCheckMs = o.expiryCheckMs;
    this.startTimeoutMs = o.startTimeoutMs;
    this.logger = o.logger;
    this.now = o.now;
    this.follower = new RegistryFollower({
      connection: o.connection,
      topic: this.topic,
      groupId: this.groupId,
      deleteGroupOnStop: o.deleteGroupOnStop,
      logger: o.logger,
      apply: (key, registration) => {
        const events = this.view.apply(key, registration, this.now());
        if (this.currentState === 'ready') for (const e of events) this.emitEvent(e);
      },
      onPoison: (record) => this.emit('poison', record),
      check: o.cardPolicy ? cardCheck(o.cardPolicy) : undefined,
    });
    this.waiters = new DirectoryWaiters({
      events: this,
      view: this.view,
      stopped: () => this.currentState === 'stopped',
      closedError: (what) => this.closedError(what),
      notFoundError: (agentName, timeoutMs) => this.notFoundError(agentName, timeoutMs),
    });
  }

  get state(): DirectoryState {
    return this.currentState;
  }

  get stats(): DirectoryStats {
    return { ...this.follower.counters, entries: this.view.size, liveInstances: this.view.liveInstances().length };
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
      await withTimeout(this.follower.start(), this.startTimeoutMs, () =>
        new KamfError('REGISTRY_TIMEOUT', `directory did not catch up with ${this.topic} within ${this.startTimeoutMs} ms`, {
          details: { topic: this.topic, ...this.follower.progress() },
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
    this.waiters.closeAll();
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
    return this.waiters.waitFor(name, timeoutMs, signal);
  }

  /**
   * Directory events as an async iterable. Listening starts when `watch()` is called (not at the first
   * `next()`); the iteration ends when the directory stops, the signal aborts, or the consumer breaks out.
   */
  watch(options: WatchOptions = {}): AsyncIterableIterator<DirectoryEvent> {
    return this.waiters.watch(options);
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
    await this.follower.stop();
  }

  private closedError(what: string): KamfError {
    return directoryClosed(this.topic, what);
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
