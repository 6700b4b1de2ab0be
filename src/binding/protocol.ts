/**
 * The A2A Kafka binding's constants: binding URI, header names, topic naming.
 * The normative description is docs/kafka-binding.md; change both together.
 */
import { KamfError } from '../core/errors.js';

export const KAFKA_BINDING_URI = 'https://kamf.dev/a2a/bindings/kafka/v1';
export const A2A_PROTOCOL_VERSION = '1.0';

/** Record headers. Service parameters (spec §12.3) travel as headers named like their HTTP counterparts, lower-cased. */
export const HEADERS = {
  /** Correlates replies with the request: the A2ARequest.requestId, repeated in a header so routers need not decode. */
  correlationId: 'kamf-correlation-id',
  /** Topic the caller reads replies from. */
  replyTo: 'kamf-reply-to',
  /** A2A-Version service parameter. */
  version: 'a2a-version',
  /** A2A-Extensions service parameter (comma-separated URIs). */
  extensions: 'a2a-extensions',
  /** Credentials, as in HTTP (`Bearer ...`). */
  authorization: 'authorization',
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Operation name (A2AMethod), so routers and tools can filter without decoding. */
  method: 'kamf-method',
  /** Target agent name, for the router stage. */
  target: 'kamf-target-agent',
  /** Requested skill id, for the router stage. */
  skill: 'kamf-skill',
  priority: 'kamf-priority',
  tenant: 'kamf-tenant',
  /** Epoch millis after which the caller no longer waits; servers drop expired requests. */
  deadline: 'kamf-deadline',
  /**
   * A control record, not a request: the caller stopped reading the stream of this correlation id (the header's
   * value). Sent with the stream request's key, so it reaches the instance serving that stream; no value.
   */
  endStream: 'kamf-end-stream',
  /** DLQ: why the record was dead-lettered, and where it came from. */
  dlqReason: 'kamf-dlq-reason',
  dlqCode: 'kamf-dlq-code',
  dlqTopic: 'kamf-dlq-source-topic',
  dlqPartition: 'kamf-dlq-source-partition',
  dlqOffset: 'kamf-dlq-source-offset',
  /** DLQ, from the router: the sink the record could not be written to. */
  dlqSinkTopic: 'kamf-dlq-sink-topic',
  /** On replies: the agent that answered (a fanned-out request gets one reply stream per agent). */
  responder: 'kamf-responder',
  /** On task snapshots and answered markers: the server instance that wrote them (takeover checks it is alive). */
  writer: 'kamf-writer',
  /** Replay tools mark re-injected records. */
  replayOf: 'kamf-replay-of',
} as const;

export type Headers = Record<string, string>;

/** kafkajs header values are Buffer | string | (Buffer|string)[] | undefined. */
export function readHeaders(raw: Record<string, unknown> | undefined): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first === undefined || first === null) continue;
    out[k.toLowerCase()] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/** Reply topic of one client instance: only that instance reads it. */
export const clientReplyTopic = (instanceId: string) => `a2a.replies.${instanceId}`;

/** `kafka://<bootstrap>/<topic>`: the interface URL an agent publishes in its card. */
export function agentInterfaceUrl(brokers: string[], topic: string): string {
  return `kafka://${brokers.join(',')}/${topic}`;
}

export function parseInterfaceUrl(url: string): { brokers: string[]; topic: string } {
  const m = /^kafka:\/\/([^/]*)\/(.+)$/.exec(url);
  if (!m) throw new KamfError('A2A_BAD_INTERFACE_URL', `not a Kafka binding URL: ${url}`, { details: { url } });
  return { brokers: m[1] ? m[1].split(',') : [], topic: decodeURIComponent(m[2]!) };
}
