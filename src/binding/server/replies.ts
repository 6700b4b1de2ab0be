/** The server's way out: the producer, responses and stream events on the caller's reply topic, and dead-lettering. */
import type { StreamResponse } from '@a2a-js/sdk';
import type { IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { A2ACodec } from '../../codec/index.js';
import type { A2AMethod, A2AResponse, A2AResult } from '../../codec/mapping/envelopes.js';
import { BatchingProducer } from '../../core/batching-producer.js';
import type { KamfErrorCode } from '../../core/errors.js';
import { A2A_PROTOCOL_VERSION, HEADERS } from '../protocol.js';
import { errorOf } from './errors.js';

/** Where the replies to one request go. */
export interface ReplyTarget {
  topic: string;
  correlationId: string;
  method: A2AMethod;
}

export interface ReplyPathOptions {
  kafka: Kafka;
  codec: A2ACodec;
  /** Sent on every reply (header kamf-responder). */
  agentName: string;
  dlqTopic: string;
  /** The server's counters; `deadLettered` is counted here. */
  stats: { deadLettered: number };
}

export class ReplyPath {
  private producer?: Producer;
  private sender?: BatchingProducer;

  constructor(private readonly opts: ReplyPathOptions) {}

  async start(): Promise<void> {
    const newProducer = async () => {
      const p = this.opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    };
    this.producer = await newProducer();
    // reply topics come and go with their clients: recover from one that was deleted
    this.sender = new BatchingProducer(this.producer, { recreate: newProducer });
  }

  /** A unary result: one record that ends the stream. Without a target (no reply topic) nothing is sent. */
  async unary(target: ReplyTarget | undefined, result: A2AResult): Promise<void> {
    if (target) await this.reply(target, 0, true, result);
  }

  /** Stream events in order; a final record with endOfStream (and no result) closes the stream. */
  async stream(target: ReplyTarget | undefined, events: AsyncGenerator<StreamResponse, void, undefined>): Promise<void> {
    let seq = 0;
    try {
      for await (const ev of events) {
        if (target) await this.reply(target, seq++, false, { $case: 'streamResponse', value: ev });
      }
    } catch (err) {
      if (target) await this.reply(target, seq, true, undefined, errorOf(err));
      return;
    }
    if (target) await this.reply(target, seq, true);
  }

  async reply(target: ReplyTarget, sequence: number, endOfStream: boolean, result?: A2AResult, error?: A2AResponse['error']): Promise<void> {
    const response: A2AResponse = {
      requestId: target.correlationId,
      method: target.method,
      sequence,
      endOfStream,
      ...(result ? { result } : {}),
      ...(error ? { error } : {}),
    };
    const value = await this.opts.codec.encodeA2AResponse(target.topic, response);
    const headers: IHeaders = { [HEADERS.correlationId]: target.correlationId, [HEADERS.version]: A2A_PROTOCOL_VERSION, [HEADERS.responder]: this.opts.agentName };
    await this.sender!.send(target.topic, { key: target.correlationId, value, headers });
  }

  /** Moves a record to the DLQ as it came, with why (`code`, `reason`) and where from in headers. */
  async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, code: KamfErrorCode): Promise<void> {
    this.opts.stats.deadLettered++;
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqCode]: code,
      [HEADERS.dlqTopic]: topic,
      [HEADERS.dlqPartition]: String(partition),
      [HEADERS.dlqOffset]: message.offset,
    };
    await this.sender!.send(this.opts.dlqTopic, { key: message.key, value: message.value, headers });
  }

  async stop(): Promise<void> {
    await (this.sender?.current ?? this.producer)?.disconnect();
  }
}
