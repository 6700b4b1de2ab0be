/**
 * A client instance of the Kafka binding: one producer, one reply inbox, one circuit breaker per agent topic.
 * Hand `transportFactory()` to the SDK's ClientFactory (or call `clientFactory()`), and every SDK Client created
 * from a card that declares the Kafka binding talks over this runtime.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, type AgentCardResolver, type Transport, type TransportFactory } from '@a2a-js/sdk/client';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import type { A2ACodec } from '../../codec/index.js';
import type { A2ARequest } from '../../codec/mapping/envelopes.js';
import { BatchingProducer } from '../../core/batching-producer.js';
import { KamfError } from '../../core/errors.js';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { HEADERS, KAFKA_BINDING_URI, parseInterfaceUrl } from '../protocol.js';
import type { RequestChannel } from './channel.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { ReplyInbox } from './inbox.js';
import { KafkaTransport } from './transport.js';
import { kamfMeter, metricsOn } from '../../core/telemetry.js';
import { MetricCallbacks } from '../../core/telemetry-callbacks.js';

const BREAKER_LEVEL: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

const optionsSchema = z.object({
  /** How long to wait for a reply (for streams: between two events). */
  timeoutMs: z.number().int().positive().default(60_000),
  /** Extra attempts after a timeout, for operations that are safe to repeat. */
  retries: z.number().int().min(0).max(10).default(2),
  retryBackoffMs: z.number().int().min(0).default(200),
  breakerThreshold: z.number().int().positive().default(5),
  breakerCooldownMs: z.number().int().positive().default(10_000),
  instanceId: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
  /**
   * The largest request value this client sends, bytes: larger ones are refused before they are sent
   * (A2A_REQUEST_TOO_LARGE). Default 262 147, a quarter of Kafka's default record limit, the agents' default.
   */
  maxRequestBytes: z.number().int().positive().default(262_147),
});
export type KafkaClientOptions = z.input<typeof optionsSchema>;

export class KafkaClientRuntime implements RequestChannel {
  readonly options: z.output<typeof optionsSchema>;
  readonly inbox: ReplyInbox;
  readonly instanceId: string;
  private producer?: Producer;
  /** Concurrent calls share produce requests: while one is in flight the next calls queue and go out together. */
  private batcher?: BatchingProducer;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private closed = false;
  private observed?: MetricCallbacks;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: A2ACodec,
    options: KafkaClientOptions = {},
  ) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) throw new KamfError('CONFIG_INVALID', `Invalid Kafka client options: ${parsed.error.message}`);
    this.options = parsed.data;
    this.instanceId = this.options.instanceId ?? randomUUID().slice(0, 12);
    this.inbox = new ReplyInbox(kafka, codec, this.instanceId);
    if (metricsOn()) {
      // observed on collection until close: 0 closed, 1 half-open, 2 open, 3 isolated, per agent topic this client called
      this.observed = new MetricCallbacks(kamfMeter()).gauge('kamf.client.breaker.state', { description: 'Circuit state per agent topic: 0 closed, 1 half-open, 2 open, 3 isolated' }, (r) => {
        for (const [topic, b] of this.breakers) r.observe(BREAKER_LEVEL[b.state], { 'messaging.destination.name': topic, 'kamf.client.instance': this.instanceId });
      });
    }
  }

  static async start(kafka: Kafka, codec: A2ACodec, options?: KafkaClientOptions): Promise<KafkaClientRuntime> {
    const rt = new KafkaClientRuntime(kafka, codec, options);
    rt.producer = kafka.producer({ allowAutoTopicCreation: false });
    await rt.producer.connect();
    rt.batcher = new BatchingProducer(rt.producer);
    await rt.inbox.start();
    return rt;
  }

  breakerFor(topic: string): CircuitBreaker {
    let b = this.breakers.get(topic);
    if (!b) this.breakers.set(topic, (b = new CircuitBreaker(topic, this.options.breakerThreshold, this.options.breakerCooldownMs)));
    return b;
  }

  /** The circuit state of every agent topic this client has called. */
  breakerStates(): Record<string, CircuitState> {
    return Object.fromEntries([...this.breakers].map(([topic, b]) => [topic, b.state]));
  }

  /**
   * Encodes and produces one request. A request above `maxRequestBytes` is refused (A2A_REQUEST_TOO_LARGE). A produce
   * that fails (the broker restarting) is retried with backoff until the request's deadline (`kamf-deadline`):
   * the server deduplicates a request that arrives twice.
   */
  async send(topic: string, request: A2ARequest, headers: IHeaders, key: string): Promise<void> {
    if (this.closed || !this.batcher) throw new KamfError('A2A_CLIENT_CLOSED', 'Kafka A2A client is closed');
    const value = await this.codec.encodeA2ARequest(topic, request);
    if (value.length > this.options.maxRequestBytes) {
      throw new KamfError('A2A_REQUEST_TOO_LARGE', `Request too large: ${value.length} bytes, above the limit of ${this.options.maxRequestBytes} bytes`, {
        details: { topic, bytes: value.length, limit: this.options.maxRequestBytes },
        hint: 'Send large inputs as a reference (a URL part) or in several messages; see docs/kafka-binding.md §3 (sizes).',
      });
    }
    const deadline = Number(headers[HEADERS.deadline] ?? 0) || Date.now() + this.options.timeoutMs;
    const batcher = this.batcher;
    const policy = retry(
      handleWhen(() => !this.closed && Date.now() < deadline),
      { maxAttempts: Number.MAX_SAFE_INTEGER, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) },
    );
    await policy.execute(() => batcher.send(topic, { key, value, headers }));
  }

  /**
   * Tells the server of a stream that its caller stopped reading (a `kamf-end-stream` control record, with the
   * stream request's key so it reaches the same partition). Best effort: a lost one leaves the stream to end with its task.
   */
  endStream(topic: string, key: string, correlationId: string, routing: IHeaders): void {
    if (this.closed || !this.batcher) return;
    this.batcher.send(topic, { key, value: null, headers: { ...routing, [HEADERS.endStream]: correlationId } }).catch(() => {});
  }

  /** A transport straight to a request topic (for callers that know it, e.g. the router). */
  transportTo(topic: string, card: AgentCard): Transport {
    return new KafkaTransport(this, topic, card);
  }

  transportFactory(): TransportFactory {
    return {
      protocolName: KAFKA_BINDING_URI,
      create: async (url: string, card: AgentCard) => new KafkaTransport(this, parseInterfaceUrl(url).topic, card),
    };
  }

  /** The SDK's ClientFactory with the Kafka binding preferred; pass a registry-backed resolver for discovery. */
  clientFactory(cardResolver?: AgentCardResolver): ClientFactory {
    return new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [this.transportFactory()],
        preferredTransports: [KAFKA_BINDING_URI],
        ...(cardResolver ? { cardResolver } : {}),
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.observed?.stop();
    await this.inbox.stop();
    await this.producer?.disconnect();
  }
}
