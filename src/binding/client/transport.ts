/**
 * The client half of the KAMF Kafka binding: an @a2a-js/sdk `Transport`, so the SDK's own `Client` works over
 * Kafka unchanged. One request record per call on the agent's request topic; replies come back on this client
 * instance's reply topic, matched by correlation id.
 */
import { randomUUID } from 'node:crypto';
import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { RequestOptions, Transport } from '@a2a-js/sdk/client';
import { fromJsonRpcErrorResponse } from '@a2a-js/sdk/errors';
import type { IHeaders } from 'kafkajs';
import type { A2AMethod, A2ARequest, A2ARequestCall, A2AResponse, A2AResult } from '../../codec/mapping/envelopes.js';
import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import { KamfError, isKamfError } from '../../core/errors.js';
import { ATTR, SpanKind, contextFrom, endSpan, startSpan, traceHeaders, tracingOn, type Span } from '../../core/telemetry.js';
import { A2A_PROTOCOL_VERSION, HEADERS, KAFKA_BINDING_URI } from '../protocol.js';
import type { RequestChannel } from './channel.js';

/** Operations the server deduplicates (by messageId): their timeouts do not count against the agent's circuit. */
const DEDUPLICATED: ReadonlySet<A2AMethod> = new Set<A2AMethod>(['SEND_MESSAGE', 'SEND_STREAMING_MESSAGE']);

/** Operations that may be sent again after a timeout. SendMessage is safe too: servers deduplicate by messageId. */
const RETRYABLE: ReadonlySet<A2AMethod> = new Set<A2AMethod>([
  'SEND_MESSAGE',
  'GET_TASK',
  'LIST_TASKS',
  'GET_TASK_PUSH_NOTIFICATION_CONFIG',
  'LIST_TASK_PUSH_NOTIFICATION_CONFIGS',
  'GET_EXTENDED_AGENT_CARD',
]);

type Params<M extends A2AMethod> = Extract<A2ARequestCall, { method: M }>['params'];

export class KafkaTransport implements Transport {
  constructor(
    private readonly runtime: RequestChannel,
    readonly topic: string,
    readonly card: AgentCard,
  ) {}

  get protocolName(): string {
    return KAFKA_BINDING_URI;
  }
  get protocolVersion(): string {
    return A2A_PROTOCOL_VERSION;
  }

  async sendMessage(params: SendMessageRequest, options?: RequestOptions): Promise<Task | import('@a2a-js/sdk').Message> {
    const r = await this.unary('SEND_MESSAGE', params, options);
    const payload = r.$case === 'sendMessage' ? r.value.payload : undefined;
    if (!payload) throw unexpected('SendMessage', r);
    return payload.value;
  }

  sendMessageStream(params: SendMessageRequest, options?: RequestOptions): AsyncGenerator<StreamResponse, void, undefined> {
    return this.stream('SEND_STREAMING_MESSAGE', params, options);
  }

  resubscribeTask(params: SubscribeToTaskRequest, options?: RequestOptions): AsyncGenerator<StreamResponse, void, undefined> {
    return this.stream('SUBSCRIBE_TO_TASK', params, options);
  }

  async getTask(params: GetTaskRequest, options?: RequestOptions): Promise<Task> {
    return expectCase(await this.unary('GET_TASK', params, options), 'task');
  }
  async cancelTask(params: CancelTaskRequest, options?: RequestOptions): Promise<Task> {
    return expectCase(await this.unary('CANCEL_TASK', params, options), 'task');
  }
  async listTasks(params: ListTasksRequest, options?: RequestOptions): Promise<ListTasksResponse> {
    return expectCase(await this.unary('LIST_TASKS', params, options), 'listTasks');
  }
  async getExtendedAgentCard(params: GetExtendedAgentCardRequest, options?: RequestOptions): Promise<AgentCard> {
    return expectCase(await this.unary('GET_EXTENDED_AGENT_CARD', params, options), 'agentCard');
  }
  async createTaskPushNotificationConfig(params: TaskPushNotificationConfig, options?: RequestOptions): Promise<TaskPushNotificationConfig> {
    return expectCase(await this.unary('CREATE_TASK_PUSH_NOTIFICATION_CONFIG', params, options), 'pushConfig');
  }
  async getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest, options?: RequestOptions): Promise<TaskPushNotificationConfig> {
    return expectCase(await this.unary('GET_TASK_PUSH_NOTIFICATION_CONFIG', params, options), 'pushConfig');
  }
  async listTaskPushNotificationConfig(params: ListTaskPushNotificationConfigsRequest, options?: RequestOptions): Promise<ListTaskPushNotificationConfigsResponse> {
    return expectCase(await this.unary('LIST_TASK_PUSH_NOTIFICATION_CONFIGS', params, options), 'listPushConfigs');
  }
  async deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest, options?: RequestOptions): Promise<void> {
    const r = await this.unary('DELETE_TASK_PUSH_NOTIFICATION_CONFIG', params, options);
    if (r.$case !== 'empty') throw unexpected('DeleteTaskPushNotificationConfig', r);
  }

  // ---- plumbing ----------------------------------------------------------------------------------------

  /** One call through the topic's circuit breaker: the first attempt and its retries after a timeout (safe operations only). */
  private async unary<M extends A2AMethod>(method: M, params: Params<M>, options?: RequestOptions): Promise<A2AResult> {
    const { retries, retryBackoffMs } = this.runtime.options;
    const policy = retry(
      handleWhen((err) => isKamfError(err, 'A2A_TIMEOUT')),
      { maxAttempts: RETRYABLE.has(method) ? retries : 0, backoff: new ExponentialBackoff({ initialDelay: retryBackoffMs, maxDelay: Math.max(retryBackoffMs, 30_000), generator: noJitterGenerator }) },
    );
    return this.runtime.breakerFor(this.topic).execute(() => policy.execute(() => this.once(method, params, options), options?.signal), options?.signal);
  }

  private async once<M extends A2AMethod>(method: M, params: Params<M>, options?: RequestOptions): Promise<A2AResult> {
    const it = this.call(method, params, options);
    try {
      const first = await it.next();
      if (first.done || !first.value) throw unexpected(method, undefined);
      return first.value;
    } finally {
      await it.return(undefined);
    }
  }

  private async *stream<M extends A2AMethod>(method: M, params: Params<M>, options?: RequestOptions): AsyncGenerator<StreamResponse, void, undefined> {
    const it = this.call(method, params, options);
    try {
      // the breaker judges a stream by its first record: an agent that answers is alive, however long it streams
      let next = await this.runtime.breakerFor(this.topic).execute(() => it.next(), options?.signal);
      while (!next.done) {
        const r = next.value;
        if (r.$case !== 'streamResponse') throw unexpected(method, r);
        yield r.value;
        next = await it.next();
      }
    } finally {
      await it.return(undefined);
    }
  }

  /** Sends one request and yields its results in sequence order until end of stream; A2A errors are thrown typed. */
  private async *call<M extends A2AMethod>(method: M, params: Params<M>, options?: RequestOptions): AsyncGenerator<A2AResult, void, undefined> {
    const rt = this.runtime;
    const signal = options?.signal;
    if (signal?.aborted) throw aborted(signal);
    const requestId = randomUUID();
    const queue: A2AResponse[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const unregister = rt.inbox.register(requestId, {
      push: (r) => {
        queue.push(r);
        wake?.();
      },
      fail: (e) => {
        failure = e;
        wake?.();
      },
    });
    const onAbort = () => {
      failure = aborted(signal!);
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // the caller's span: from the send until the last reply, parent of everything the request causes
    const span = tracingOn() ? startSpan(`send ${this.topic}`, SpanKind.PRODUCER, sendAttributes(this.topic, this.card.name, method, requestId), contextFrom(options?.serviceParameters)) : undefined;
    let failed: unknown;
    const key = keyOf(method, params, requestId);
    let sent: IHeaders | undefined;
    let ended = false;
    try {
      const timeoutMs = rt.options.timeoutMs;
      const headers = this.headers(requestId, method, params, options, timeoutMs, span);
      await rt.send(this.topic, this.envelope(requestId, method, params), headers, key);
      sent = headers;
      let expected = 0;
      const early = new Map<number, A2AResponse>();
      for (;;) {
        // per-record timeout: for streams this bounds the silence between events, not the whole stream
        const deadline = Date.now() + timeoutMs;
        while (queue.length === 0 && !failure) {
          const left = deadline - Date.now();
          if (left <= 0) {
            // a SendMessage is deduplicated by the server (messageId): its timeout is not the agent's failure
            throw new KamfError('A2A_TIMEOUT', `No reply from ${this.topic} to ${method} within ${timeoutMs} ms (request ${requestId})`, {
              details: { topic: this.topic, method, requestId, deduplicated: DEDUPLICATED.has(method) },
            });
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(left, 1000)).unref();
          });
        }
        if (failure) throw failure;
        const r = queue.shift()!;
        // replies of one request come from one producer on a one-partition topic, so they arrive in order;
        // the sequence check is a guard, not a sort
        early.set(r.sequence, r);
        while (early.has(expected)) {
          const next = early.get(expected)!;
          early.delete(expected);
          expected++;
          if (next.endOfStream || next.error) ended = true;
          if (next.error) throw fromJsonRpcErrorResponse({ jsonrpc: '2.0', id: requestId, error: { code: next.error.code, message: next.error.message, ...(next.error.data !== undefined ? { data: next.error.data as never } : {}) } });
          if (next.result) yield next.result;
          if (next.endOfStream) return;
        }
      }
    } catch (err) {
      failed = err;
      throw err;
    } finally {
      endSpan(span, failed);
      signal?.removeEventListener('abort', onAbort);
      unregister();
      // a stream left before its end (the caller stopped reading, aborted or timed out): tell the server, which
      // would otherwise keep it, and a concurrency slot, until the task settles
      if (sent && !ended && STREAMS.has(method)) rt.endStream(this.topic, key, requestId, routingHeaders(sent));
    }
  }

  private envelope<M extends A2AMethod>(requestId: string, method: M, params: Params<M>): A2ARequest {
    const tenant = (params as { tenant?: string }).tenant;
    return { requestId, method, params, ...(tenant ? { tenant } : {}) } as A2ARequest;
  }

  private headers<M extends A2AMethod>(requestId: string, method: M, params: Params<M>, options: RequestOptions | undefined, timeoutMs: number, span?: Span): IHeaders {
    const sp = options?.serviceParameters ?? {};
    const get = (name: string) => Object.entries(sp).find(([k]) => k.toLowerCase() === name)?.[1];
    const h: IHeaders = {
      [HEADERS.correlationId]: requestId,
      [HEADERS.replyTo]: this.runtime.inbox.topic,
      [HEADERS.method]: method,
      [HEADERS.version]: get(HEADERS.version) ?? A2A_PROTOCOL_VERSION,
      [HEADERS.target]: this.card.name,
      [HEADERS.deadline]: String(Date.now() + timeoutMs),
      [HEADERS.traceparent]: get(HEADERS.traceparent) ?? newTraceparent(),
      ...(span ? traceHeaders(span) : {}),
    };
    const ext = get(HEADERS.extensions);
    if (ext) h[HEADERS.extensions] = ext;
    const auth = get(HEADERS.authorization);
    if (auth) h[HEADERS.authorization] = auth;
    const tenant = (params as { tenant?: string }).tenant;
    if (tenant) h[HEADERS.tenant] = tenant;
    for (const [k, v] of Object.entries(sp)) {
      const key = k.toLowerCase();
      if (!(key in h)) h[key] = v;
    }
    return h;
  }
}

/** The attributes of a client send span (OpenTelemetry messaging and rpc conventions). */
export function sendAttributes(topic: string, agent: string, method: A2AMethod, requestId: string) {
  return {
    [ATTR.messagingSystem]: 'kafka',
    [ATTR.operationType]: 'send',
    [ATTR.operationName]: 'send',
    [ATTR.destination]: topic,
    [ATTR.conversationId]: requestId,
    [ATTR.rpcSystem]: 'a2a',
    [ATTR.rpcMethod]: method,
    [ATTR.a2aMethod]: method,
    [ATTR.genAiAgentName]: agent,
  };
}

const STREAMS: ReadonlySet<A2AMethod> = new Set(['SEND_STREAMING_MESSAGE', 'SUBSCRIBE_TO_TASK']);

/** The headers a router routes by: a stream's end must follow the stream's request to the same agent. */
function routingHeaders(h: IHeaders): IHeaders {
  const out: IHeaders = {};
  for (const name of [HEADERS.target, HEADERS.skill, HEADERS.priority, HEADERS.tenant]) if (h[name] !== undefined) out[name] = h[name];
  return out;
}

/** Requests of one conversation share a key, so they land on one partition and one server instance, in order. */
function keyOf(method: A2AMethod, params: unknown, requestId: string): string {
  if (method === 'SEND_MESSAGE' || method === 'SEND_STREAMING_MESSAGE') {
    const m = (params as SendMessageRequest).message;
    return m?.contextId || m?.taskId || requestId;
  }
  const p = params as { id?: string; taskId?: string; contextId?: string };
  return p.id || p.taskId || p.contextId || requestId;
}

function newTraceparent(): string {
  const hex = (n: number) => randomUUID().replaceAll('-', '').slice(0, n);
  return `00-${hex(32)}-${hex(16)}-01`;
}

function expectCase<C extends A2AResult['$case']>(r: A2AResult, c: C): Extract<A2AResult, { $case: C }> extends { value: infer V } ? V : never {
  if (r.$case !== c) throw unexpected(c, r);
  return (r as { value: unknown }).value as never;
}

function unexpected(what: string, r: A2AResult | undefined): Error {
  return new KamfError('CODEC_MAPPING_FAILED', `Unexpected reply to ${what}: ${r ? r.$case : 'nothing'}`);
}

function aborted(signal: AbortSignal): Error {
  return new KamfError('A2A_ABORTED', `Request aborted${signal.reason ? `: ${String(signal.reason)}` : ''}`, { cause: signal.reason });
}


