/** What a call needs from its client instance: send a request, wait on the reply inbox, consult the topic's breaker. */
import type { IHeaders } from 'kafkajs';
import type { A2ARequest } from '../../codec/mapping/envelopes.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { ReplyInbox } from './inbox.js';

/** Implemented by `KafkaClientRuntime`; transports and fan-out calls use only this. */
export interface RequestChannel {
  readonly options: {
    /** How long to wait for a reply (for streams: between two events), ms. */
    readonly timeoutMs: number;
    /** Extra attempts after a timeout, for operations that are safe to repeat. */
    readonly retries: number;
    readonly retryBackoffMs: number;
  };
  /** Where replies arrive: its topic goes into `kamf-reply-to`, and calls register their correlation ids with it. */
  readonly inbox: Pick<ReplyInbox, 'topic' | 'register'>;
  /** The circuit breaker of one request topic. */
  breakerFor(topic: string): CircuitBreaker;
  /** Encodes and produces one request record. */
  send(topic: string, request: A2ARequest, headers: IHeaders, key: string): Promise<void>;
  /** Tells the server that the stream of `correlationId` lost its reader (best effort, not awaited). */
  endStream(topic: string, key: string, correlationId: string, routing: IHeaders): void;
}
