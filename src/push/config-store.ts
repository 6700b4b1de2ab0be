/**
 * A2A push-notification configs on a compacted topic (default `a2a.push-configs`), shared by every instance of an
 * agent: records keyed `<agent>/<task>/<config id>`, JSON values, tombstones for deletes. Each instance keeps an
 * in-memory view of its agent's configs (like the task store keeps `a2a.tasks`), and reads catch up with the topic
 * first, so a config created through one instance is seen by the next read on any other.
 */
import { randomUUID } from 'node:crypto';
import type { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { PushNotificationStore, ServerCallContext, StoredPushNotificationConfig } from '@a2a-js/sdk/server';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { ensureTopics } from '../core/admin.js';
import { KamfError, isKamfError } from '../core/errors.js';
import { PushConfigView } from './config-view.js';
import { checkWebhookUrl, type WebhookPolicy } from './policy.js';

export const PUSH_CONFIGS_TOPIC = 'a2a.push-configs';

/** One stored config: the SDK's config plus who registered it and when. */
export interface PushConfigEntry {
  agent: string;
  taskId: string;
  tenant?: string;
  owner: string;
  config: TaskPushNotificationConfig;
  wireVersion: string;
  createdAt: number;
}

export interface KafkaPushConfigStoreOptions {
  kafka: Kafka;
  agentName: string;
  topic?: string;
  instanceId?: string;
  /** What webhook URLs may point at; checked when a config is created (and again before every POST). */
  policy?: WebhookPolicy;
  catchUpTimeoutMs?: number;
}

const ownerOf = (ctx: ServerCallContext) => ctx.user?.userName || 'unknown';

export class KafkaPushConfigStore implements PushNotificationStore {
  readonly topic: string;
  private readonly view = new PushConfigView<PushConfigEntry>();
  /** Configs this instance tombstoned because their task expired (`forgetTask`). */
  forgotten = 0;
  private readonly consumed = new Map<number, number>();
  private consumer?: Consumer;
  private producer?: Producer;
  private admin?: Admin;

  constructor(private readonly opts: KafkaPushConfigStoreOptions) {
    this.topic = opts.topic ?? PUSH_CONFIGS_TOPIC;
  }

  get agentName(): string {
    return this.opts.agentName;
  }

  async start(): Promise<void> {
    await ensureTopics(this.opts.kafka, [{ name: this.topic, partitions: 3, compacted: true }]);
    this.producer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.admin = this.opts.kafka.admin();
    await this.admin.connect();
    // never commits: every start reads the whole topic
    this.consumer = this.opts.kafka.consumer({ groupId: `kamf-pushconfigs-${this.opts.instanceId ?? randomUUID()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString('utf8');
        if (key?.startsWith(`${this.opts.agentName}/`)) {
          if (!message.value) this.view.delete(key);
          else {
            try {
              this.view.set(key, JSON.parse(message.value.toString('utf8')) as PushConfigEntry);
            } catch {
              // an unreadable record is skipped; the next write of that key supersedes it
            }
          }
        }
        this.consumed.set(partition, Number(message.offset));
      },
    });
    await this.catchUp();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
  }

  /** Resolves once every config written before the call is in the local view. */
  async catchUp(): Promise<void> {
    if (!this.admin) throw new KamfError('A2A_TASK_STORE_NOT_STARTED', 'push config store not started');
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    const deadline = Date.now() + (this.opts.catchUpTimeoutMs ?? 30_000);
    for (;;) {
      if (ends.every((e) => Number(e.high) === 0 || (this.consumed.get(e.partition) ?? -1) >= Number(e.high) - 1)) return;
      if (Date.now() > deadline) throw new KamfError('A2A_TASK_STORE_CATCH_UP_TIMEOUT', `push configs: ${this.topic} not read up to its end in time`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private key(taskId: string, id: string): string {
    return `${this.opts.agentName}/${taskId}/${id}`;
  }

  private visible(e: PushConfigEntry, taskId: string, ctx: ServerCallContext): boolean {
    return e.taskId === taskId && e.owner === ownerOf(ctx) && (e.tenant ?? '') === (ctx.tenant ?? '');
  }

  async save(taskId: string, context: ServerCallContext, config: TaskPushNotificationConfig): Promise<void> {
    try {
      checkWebhookUrl(config.url, this.opts.policy);
    } catch (err) {
      // the caller hears why (-32602), not an internal error
      if (isKamfError(err)) throw new RequestMalformedError(err.message);
      throw err;
    }
    if (!config.id) config.id = randomUUID(); // the SDK reads the id back through this same object
    const entry: PushConfigEntry = {
      agent: this.opts.agentName,
      taskId,
      ...(context.tenant ? { tenant: context.tenant } : {}),
      owner: ownerOf(context),
      config: { ...config, taskId },
      wireVersion: context.requestedVersion || '1.0',
      createdAt: Date.now(),
    };
    const key = this.key(taskId, config.id);
    await this.producer!.send({ topic: this.topic, acks: -1, messages: [{ key, value: JSON.stringify(entry) }] });
    this.view.set(key, entry);
  }

  async load(taskId: string, context: ServerCallContext): Promise<TaskPushNotificationConfig[]> {
    return (await this.loadWithMetadata(taskId, context)).map((s) => s.config);
  }

  async loadWithMetadata(taskId: string, context: ServerCallContext): Promise<StoredPushNotificationConfig[]> {
    await this.catchUp();
    return [...this.view.ofTask(taskId).values()].filter((e) => this.visible(e, taskId, context)).map((e) => ({ config: structuredClone(e.config), wireVersion: e.wireVersion }));
  }

  async delete(taskId: string, context: ServerCallContext, configId?: string): Promise<void> {
    await this.catchUp();
    const keys = [...this.view.ofTask(taskId)].filter(([, e]) => this.visible(e, taskId, context) && (configId === undefined || e.config.id === configId)).map(([k]) => k);
    if (keys.length === 0) return;
    await this.producer!.send({ topic: this.topic, acks: -1, messages: keys.map((key) => ({ key, value: null })) });
    for (const k of keys) this.view.delete(k);
  }

  /**
   * Tombstones every config of a task, whoever registered it, and drops them from the view; resolves with how many
   * once written. The delivery stage calls it when it reads the task's own tombstone (the task expired), so configs
   * do not outlive their task on the topic or in any instance's memory.
   */
  async forgetTask(taskId: string): Promise<number> {
    const keys = [...this.view.ofTask(taskId).keys()];
    if (keys.length === 0) return 0;
    if (!this.producer) throw new KamfError('A2A_TASK_STORE_NOT_STARTED', 'push config store not started');
    await this.producer.send({ topic: this.topic, acks: -1, messages: keys.map((key) => ({ key, value: null })) });
    for (const k of keys) this.view.delete(k);
    this.forgotten += keys.length;
    return keys.length;
  }

  /** Whether a task has any config: asked for every snapshot the delivery stage reads, without building a list. */
  hasConfigs(taskId: string): boolean {
    return this.view.ofTask(taskId).size > 0;
  }

  /** Every config of a task, whoever registered it: what the delivery stage POSTs to. */
  configsFor(taskId: string): PushConfigEntry[] {
    return [...this.view.ofTask(taskId).values()];
  }

  /** Every config of this agent (the CLI's view). */
  all(): PushConfigEntry[] {
    return [...this.view.values()];
  }
}
