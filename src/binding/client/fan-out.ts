/**
 * One request, several agents: the caller writes a single SendMessage to `a2a.ingress` with
 * `kamf-target-agent: a,b`; the router stage copies it to each agent's request topic; every agent replies to the
 * caller's reply topic under the same correlation id, and `kamf-responder` tells the replies apart. The gather
 * ends when every target has finished its reply stream, or at the timeout (missing agents are reported, not waited
 * for forever).
 */
import { randomUUID } from 'node:crypto';
import type { Message, SendMessageRequest, Task } from '@a2a-js/sdk';
import type { A2AError, A2AResponse } from '../../codec/mapping/envelopes.js';
import { KamfError } from '../../core/errors.js';
import { A2A_PROTOCOL_VERSION, HEADERS } from '../protocol.js';
import type { KafkaClientRuntime } from './runtime.js';
import { SpanKind, endSpan, startSpan, traceHeaders, tracingOn } from '../../core/telemetry.js';
import { sendAttributes } from './transport.js';

export type FanOutAnswer = { agent: string; result: Task | Message } | { agent: string; error: A2AError } | { agent: string; missing: true };

export async function fanOut(
  runtime: KafkaClientRuntime,
  ingressTopic: string,
  targets: string[],
  params: SendMessageRequest,
  options: { timeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<FanOutAnswer[]> {
  const requestId = randomUUID();
  const answers = new Map<string, FanOutAnswer>();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const unregister = runtime.inbox.register(requestId, {
    push: (r: A2AResponse, responder?: string) => {
      const agent = responder ?? '?';
      if (r.error) answers.set(agent, { agent, error: r.error });
      else if (r.result?.$case === 'sendMessage' && r.result.value.payload) answers.set(agent, { agent, result: r.result.value.payload.value });
      if (targets.every((t) => answers.has(t))) done();
    },
    fail: () => done(),
  });
  const timeoutMs = options.timeoutMs ?? runtime.options.timeoutMs;
  const timer = setTimeout(done, timeoutMs);
  options.signal?.addEventListener('abort', done, { once: true });
  // the fanned-out request's span: from the send until every answer is in (or the wait ends)
  const span = tracingOn() ? startSpan(`send ${ingressTopic}`, SpanKind.PRODUCER, sendAttributes(ingressTopic, targets.join(','), 'SEND_MESSAGE', requestId)) : undefined;
  try {
    const message = params.message;
    await runtime.send(
      ingressTopic,
      { requestId, method: 'SEND_MESSAGE', params },
      {
        ...options.headers,
        [HEADERS.correlationId]: requestId,
        [HEADERS.replyTo]: runtime.inbox.topic,
        [HEADERS.method]: 'SEND_MESSAGE',
        [HEADERS.version]: A2A_PROTOCOL_VERSION,
        [HEADERS.target]: targets.join(','),
        [HEADERS.deadline]: String(Date.now() + timeoutMs),
        ...(span ? traceHeaders(span) : {}),
      },
      message?.contextId || requestId,
    );
    await finished;
  } finally {
    endSpan(span);
    clearTimeout(timer);
    unregister();
  }
  if (options.signal?.aborted) throw new KamfError('A2A_ABORTED', 'fan-out aborted');
  return targets.map((agent) => answers.get(agent) ?? { agent, missing: true as const });
}
