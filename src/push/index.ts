/**
 * A2A push notifications on Kafka: configs on a compacted topic any instance reads, deliveries that follow the
 * task snapshots with per-task order, retries and a dead-letter topic (docs/kafka-binding.md, push notifications).
 *
 *   serveAgent({ ..., push: kafkaPush({ policy: { allowHosts: ['hooks.example.com'] } }) })
 */
import type { PushContext, PushSupport } from '../binding/index.js';
import { KafkaPushConfigStore } from './config-store.js';
import { PushDelivery, type PushDeliveryOptions } from './delivery.js';
import { webhookPolicySchema, type WebhookPolicy } from './policy.js';

export { KafkaPushConfigStore, PUSH_CONFIGS_TOPIC, type KafkaPushConfigStoreOptions, type PushConfigEntry } from './config-store.js';
export { PushDelivery, PUSH_DLQ_TOPIC, PUSH_DELIVERIES_TOPIC, DELIVERY_ID_HEADER, TOKEN_HEADER, type DeliveryRecord, type PushDeliveryOptions } from './delivery.js';
export { checkWebhookUrl, webhookPolicySchema, type WebhookPolicy } from './policy.js';
export { postWebhook, type PostOutcome } from './post.js';
export { readTopic, summarize, deliveryStatus, deadLetters, replayDeadLetter, type WebhookStatus, type ReplayOptions } from './records.js';

export interface KafkaPushOptions extends Pick<PushDeliveryOptions, 'maxAttempts' | 'backoffMs' | 'maxBackoffMs' | 'timeoutMs' | 'dlqTopic' | 'deliveriesTopic' | 'log'> {
  policy?: WebhookPolicy;
  configsTopic?: string;
}

/** The running parts, for tests and dashboards. */
export interface KafkaPush extends PushSupport {
  store: KafkaPushConfigStore;
  delivery: PushDelivery;
}

/** Push support for serveAgent: the config store and the delivery stage of one agent instance. */
export function kafkaPush(opts: KafkaPushOptions = {}): (ctx: PushContext) => KafkaPush {
  const policy = webhookPolicySchema.parse(opts.policy ?? {});
  return (ctx) => {
    const store = new KafkaPushConfigStore({ kafka: ctx.kafka, agentName: ctx.agentName, instanceId: ctx.instanceId, policy, ...(opts.configsTopic ? { topic: opts.configsTopic } : {}) });
    const { policy: _p, configsTopic: _c, ...rest } = opts;
    const delivery = new PushDelivery({ ...rest, kafka: ctx.kafka, codec: ctx.codec, agentName: ctx.agentName, configs: store, tasksTopic: ctx.tasksTopic, policy });
    return {
      store,
      delivery,
      async start() {
        await store.start();
        await delivery.start();
      },
      async stop() {
        await delivery.stop();
        await store.stop();
      },
    };
  };
}
