/**
 * The server's way out: responses and stream events on the caller's reply topic, the answered markers that make a
 * redelivered request reply nothing a second time, and dead-lettering. Everything goes through the EffectWriter
 * (effects.ts): retried until written, and a caller whose reply cannot be delivered never holds up another.
 */
import type { StreamResponse } from '@a2a-js/sdk';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { A2ACodec } from '../../codec/index.js';
import type { A2AMethod, A2AResponse, A2AResult } from '../../codec/mapping/envelopes.js';
import { isKamfError, type KamfErrorCode } from '../../core/errors.js';
import { A2A_PROTOCOL_VERSION, HEADERS } from '../protocol.js';
import { ATTR, SpanKind, endSpan, injectTraceHeaders, startSpan, tracingOn, withSpan } from '../../core/telemetry.js';
import { UndeliverableError, type EffectWriter } from './effects.js';
import { BINDING_ERROR, errorOf, type ErrorLog } from './errors.js';
import { chunkLargeArtifact } from './sizes.js';

/** Where the replies to one request go. */
export interface ReplyTarget {
  topic: string;
  correlationId: string;
  method: A2AMethod;
  /** The request record, for the DLQ headers of a reply that cannot be delivered. */
  source?: { topic: string; partition: number; offset: string };
  /** Set once the destination proved undeliverable: later records of this request are not attempted. */
  undeliverable?: string;
}

export interface ReplyPathOptions {
  codec: A2ACodec;
  writer: EffectWriter;
  /** Sent on every reply (header kamf-responder). */
  agentName: string;
  instanceId: string;
  dlqTopic: string;
  /** Where answered markers go (the task topic: every instance of the agent reads it). */
  tasksTopic: string;
  /** The server's counters; `deadLettered` is counted here. */
  stats: { deadLettered: number; undeliverable: number };
  log: ErrorLog;
}

/** Headers that carry credentials: never copied into the DLQ, whose readers are operators, not the caller. */
const CREDENTIAL_HEADERS = /^(authorization|proxy-authorization|x-api-key|api-key|cookie)$/i;

/** The record's headers without credentials; the names of what was removed go in `kamf-dlq-redacted`. */
export function redactCredentials(headers: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (CREDENTIAL_HEADERS.test(name)) removed.push(name);
    else out[name] = value;
  }
  if (removed.length) out['kamf-dlq-redacted'] = removed.join(',');
  return out;
}

/** The key of the marker that says "the request with this correlation id has had its final reply". */
export const answeredKey = (agentName: string, correlationId: string) => `${agentName}/answered/${correlationId}`;

export class ReplyPath {
  constructor(private readonly opts: ReplyPathOptions) {}

  /** A unary result: one record that ends the stream. Without a target (no reply topic) nothing is sent. */
  async unary(target: ReplyTarget | undefined, result: A2AResult): Promise<void> {
    if (target) await this.reply(target, 0, true, result);
  }

  /**
   * Stream events in order; a final record with endOfStream (and no result) closes the stream. Each event waits only
   * until its record holds its place in the writer's order, not for its write: a stream's events share produce
   * requests instead of paying a round trip each. All its writes are awaited before the stream counts as answered.
   * `end` aborts when the caller stops reading (a `kamf-end-stream` record): nothing more is written, and the events
   * are either dropped at once (`drain: false`, a follower such as SubscribeToTask) or read to their end unwritten
   * (`drain: true`: a SendStreamingMessage's events are what saves its task), its final reply still written so the
   * request counts as answered.
   */
  async stream(target: ReplyTarget | undefined, events: AsyncGenerator<StreamResponse, void, undefined>, end?: { signal: AbortSignal; drain: boolean }): Promise<void> {
    if (end && target) return this.streamUntilEnded(target, events, end.signal, end.drain);
    return this.streamAll(target, events);
  }

  private async streamUntilEnded(target: ReplyTarget, events: AsyncGenerator<StreamResponse, void, undefined>, signal: AbortSignal, drain: boolean): Promise<void> {
    // one waiter at a time (not a race against one shared promise, whose reactions would pile up per event)
    let wake: ((v: 'ended') => void) | undefined;
    signal.addEventListener('abort', () => wake?.('ended'), { once: true });
    let writing = true;
    const nextOrEnd = () =>
      new Promise<IteratorResult<StreamResponse, void> | 'ended'>((resolve, reject) => {
        wake = resolve;
        events.next().then(resolve, reject);
      });
    const rest = async function* () {
      for (;;) {
        // an end that came between two events is seen here; one that comes while waiting wakes the waiter
        const next = !writing ? await events.next() : signal.aborted ? 'ended' : await nextOrEnd();
        if (next === 'ended') {
          writing = false;
          // a follower waits for events that may never come: let it go (it ends at its next event, if any)
          if (!drain) {
            events.return(undefined).catch(() => {});
            return;
          }
          continue;
        }
        if (next.done) return;
        if (writing) yield next.value;
      }
    };
    return this.streamAll(target, rest(), () => writing || drain);
  }

  private async streamAll(target: ReplyTarget | undefined, events: AsyncGenerator<StreamResponse, void, undefined>, finalReply: () => boolean = () => true): Promise<void> {
    let seq = 0;
    const writes: Promise<void>[] = [];
    const send = (sequence: number, endOfStream: boolean, result?: A2AResult, error?: A2AResponse['error']) =>
      new Promise<void>((queued, failed) => {
        const written = this.reply(target!, sequence, endOfStream, result, error, queued);
        written.then(queued, failed); // a reply that was never queued (dead-lettered) releases the stream too
        written.catch(() => {}); // its failure is the stream's, surfaced by the Promise.all below
        writes.push(written);
      });
    try {
      for await (const ev of events) {
        if (!target) continue;
        // an artifact too large for one record travels as several appended chunks
        for (const part of chunkLargeArtifact(ev, this.chunkBytes)) await send(seq++, false, { $case: 'streamResponse', value: part });
        // bounded: a fast producer of events waits for the writer instead of piling records up in memory
        if (writes.length >= 64) await Promise.all(writes.splice(0));
      }
    } catch (err) {
      if (target && finalReply()) await send(seq, true, undefined, errorOf(err, this.opts.log));
      await Promise.all(writes);
      return;
    }
    if (target && finalReply()) await send(seq, true);
    await Promise.all(writes);
  }

  /** Payload bytes per chunk of a large artifact: a quarter of the record limit leaves room for the envelope. */
  get chunkBytes(): number {
    return Math.floor(this.opts.writer.maxRecordBytes / 4);
  }

  /**
   * One reply record. The final one (endOfStream) is written in one produce request with the answered marker.
   * A destination that does not exist or has an illegal name, and a record above the limit, go to the DLQ with the
   * reason; a caller whose result is too large gets an error reply instead. Resolves once written (or dead-lettered).
   */
  async reply(target: ReplyTarget, sequence: number, endOfStream: boolean, result?: A2AResult, error?: A2AResponse['error'], queued?: () => void): Promise<void> {
    if (!tracingOn() || target.undeliverable) return this.replyOnce(target, sequence, endOfStream, result, error, queued);
    // the reply's span is a child of the request's receive span; the reply record carries it to the caller
    const span = startSpan(`send ${target.topic}`, SpanKind.PRODUCER, {
      [ATTR.messagingSystem]: 'kafka',
      [ATTR.operationType]: 'send',
      [ATTR.operationName]: 'reply',
      [ATTR.destination]: target.topic,
      [ATTR.conversationId]: target.correlationId,
      [ATTR.a2aMethod]: target.method,
      ...(error ? { [ATTR.errorType]: String(error.code) } : {}),
    });
    try {
      await withSpan(span, () => this.replyOnce(target, sequence, endOfStream, result, error, queued));
      endSpan(span);
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  }

  private async replyOnce(target: ReplyTarget, sequence: number, endOfStream: boolean, result?: A2AResult, error?: A2AResponse['error'], queued?: () => void): Promise<void> {
    const { writer } = this.opts;
    const marker = endOfStream ? [this.marker(target.correlationId)] : [];
    if (target.undeliverable) {
      if (marker.length) await writer.writeAll(marker);
      return;
    }
    const response: A2AResponse = { requestId: target.correlationId, method: target.method, sequence, endOfStream, ...(result ? { result } : {}), ...(error ? { error } : {}) };
    try {
      await writer.checkDestination(target.topic);
      const record = await this.record(target, response);
      try {
        writer.checkSize(target.topic, record);
      } catch (err) {
        if (!(err instanceof UndeliverableError)) throw err;
        // the caller learns at once, the full result is not lost without a trace
        await this.undeliverable(target, response, err, null);
        const msg = `The ${result?.$case ?? 'reply'} is ${String(err.details.bytes)} bytes, above the record limit of ${String(err.details.limit)} bytes; large results travel as streamed artifact chunks (SendStreamingMessage)`;
        const small = await this.record(target, { ...response, endOfStream: true, result: undefined, error: { code: BINDING_ERROR.internal, message: msg, data: kamfData('A2A_RECORD_TOO_LARGE') } } as A2AResponse);
        await writer.writeAll([{ topic: target.topic, message: small }, this.marker(target.correlationId)]);
        target.undeliverable = 'too-large';
        return;
      }
      await writer.writeAll([{ topic: target.topic, message: record }, ...marker], queued);
    } catch (err) {
      if (!(err instanceof UndeliverableError)) throw err;
      target.undeliverable = err.reason;
      await this.undeliverable(target, response, err, undefined);
      if (marker.length) await writer.writeAll(marker);
    }
  }

  private async record(target: ReplyTarget, response: A2AResponse): Promise<Message> {
    const value = await this.opts.codec.encodeA2AResponse(target.topic, response);
    const headers: IHeaders = { [HEADERS.correlationId]: target.correlationId, [HEADERS.version]: A2A_PROTOCOL_VERSION, [HEADERS.responder]: this.opts.agentName };
    injectTraceHeaders(headers);
    return { key: target.correlationId, value, headers };
  }

  private marker(correlationId: string): { topic: string; message: Message } {
    return { topic: this.opts.tasksTopic, message: { key: answeredKey(this.opts.agentName, correlationId), value: null, headers: { [HEADERS.writer]: this.opts.instanceId } } };
  }

  /** A reply that cannot reach its caller: to the DLQ with why (value: the reply, or none when it is too large). */
  private async undeliverable(target: ReplyTarget, response: A2AResponse, err: UndeliverableError, value: Buffer | null | undefined): Promise<void> {
    this.opts.stats.undeliverable++;
    this.opts.log(`reply ${target.correlationId} to ${target.topic} is undeliverable (${err.reason}): ${err.message}; moved to ${this.opts.dlqTopic}`);
    const body = value === undefined ? await this.opts.codec.encodeA2AResponse(this.opts.dlqTopic, response) : value;
    const headers: IHeaders = {
      [HEADERS.correlationId]: target.correlationId,
      [HEADERS.dlqReason]: `undeliverable reply (${err.reason}): ${err.message}`,
      [HEADERS.dlqCode]: err.code,
      [HEADERS.dlqSinkTopic]: target.topic.slice(0, 300),
      ...(target.source
        ? { [HEADERS.dlqTopic]: target.source.topic, [HEADERS.dlqPartition]: String(target.source.partition), [HEADERS.dlqOffset]: target.source.offset }
        : {}),
    };
    this.opts.stats.deadLettered++;
    await this.opts.writer.write(this.opts.dlqTopic, { key: target.correlationId, value: body, headers });
  }

  /** Moves a record to the DLQ as it came, with why (`code`, `reason`) and where from in headers. */
  async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, code: KamfErrorCode): Promise<void> {
    this.opts.stats.deadLettered++;
    const headers: IHeaders = {
      ...redactCredentials(message.headers),
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqCode]: code,
      [HEADERS.dlqTopic]: topic,
      [HEADERS.dlqPartition]: String(partition),
      [HEADERS.dlqOffset]: message.offset,
    };
    const record = { key: message.key, value: message.value, headers };
    try {
      await this.opts.writer.write(this.opts.dlqTopic, record);
    } catch (err) {
      // a poison record too large to copy whole: keep its headers and the reason, not its bytes
      if (!isKamfError(err, 'A2A_RECORD_TOO_LARGE')) throw err;
      await this.opts.writer.write(this.opts.dlqTopic, { key: message.key, value: null, headers: { ...headers, [HEADERS.dlqReason]: `${reason} (value of ${message.value?.length ?? 0} bytes not copied: too large)` } });
    }
  }
}

/** `A2AError.data` carrying a KAMF code the way A2A errors carry theirs (google.rpc.ErrorInfo). */
export function kamfData(code: KamfErrorCode): unknown {
  return [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: code, domain: 'kamf.dev' }];
}
