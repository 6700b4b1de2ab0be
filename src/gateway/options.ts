/** Gateway options: where it listens, how its cards name it, which agent answers at the root, and its limits. */
import { z } from 'zod';
import { KamfError } from '../core/errors.js';

export const gatewayOptionsSchema = z.object({
  /** Interface to bind (HTTP and gRPC). Default 127.0.0.1. */
  host: z.string().min(1).default('127.0.0.1'),
  /** HTTP port; 0 = a free port. Default 8090. */
  port: z.number().int().min(0).max(65535).default(8090),
  /** gRPC port; 0 = a free port; null = no gRPC endpoint. Default 8091. */
  grpcPort: z.number().int().min(0).max(65535).nullable().default(8091),
  /** Base URL written into cards (e.g. behind a proxy). Default http://<host>:<port>. */
  publicUrl: z.string().url().optional(),
  /** gRPC address written into cards. Default <host>:<grpc port>. */
  publicGrpcAddress: z.string().min(1).optional(),
  /** Agent also served at the root (`/.well-known/agent-card.json`, `/jsonrpc`, `/rest`, gRPC without a tenant). */
  defaultAgent: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/).optional(),
  /**
   * What a SendMessage whose messageId was used before means. 'dedupe' (default): the Kafka binding's rule, a
   * retry, answered from the task it went into (spec §3.1: agents MAY deduplicate by messageId). 'rerun': a new
   * message; the gateway gives it a fresh id on the wire and restores the caller's id in the answer (for clients
   * that reuse messageIds, like the A2A TCK).
   */
  reusedMessageIds: z.enum(['dedupe', 'rerun']).default('dedupe'),
  /** Registry topic to follow. Default agent.registry. */
  registryTopic: z.string().min(1).optional(),
  limits: z
    .object({
      /** Largest request body (HTTP) or message (gRPC), bytes. Default 1 MiB (Kafka's default record limit). */
      maxRequestBytes: z.number().int().positive().default(1_048_576),
      /** Streams (SendStreamingMessage, SubscribeToTask) one caller may hold open at once. Default 16. */
      maxStreamsPerCaller: z.number().int().positive().default(16),
      /** Upper bound of a unary operation, ms. Default 60 000. */
      requestTimeoutMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
});

export type GatewayOptionsInput = z.input<typeof gatewayOptionsSchema>;
export type GatewaySettings = z.output<typeof gatewayOptionsSchema>;
export type GatewayLimits = GatewaySettings['limits'];

export function parseGatewayOptions(input: GatewayOptionsInput): GatewaySettings {
  const res = gatewayOptionsSchema.safeParse(input);
  if (res.success) return res.data;
  const problems = res.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`);
  throw new KamfError('CONFIG_INVALID', `invalid gateway options: ${problems.join('; ')}`, { details: { problems } });
}
