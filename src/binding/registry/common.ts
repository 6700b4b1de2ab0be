/**
 * What the publisher, the directory and the card resolver share: the record key of `agent.registry`, the
 * connection they use, option validation and logging.
 *
 * Record key: `<agentName>/<instanceId>`, not the bare agent name.
 * Several instances of one agent run side by side (they share the agent's consumer group). With key = agent
 * name, compaction would keep only the last instance that wrote, a second instance's heartbeat would hide the
 * first one, and one instance's clean shutdown (tombstone) would erase an agent whose other instances are still
 * up. Keying by instance gives every instance its own compacted entry and its own tombstone; readers group the
 * entries by the `agentName` field of the value. Agent names cannot contain `/` (they are part of topic names,
 * `agent.<name>.requests`), so the first `/` separates the two parts.
 */
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { A2ACodec, AvroSerde } from '../../codec/index.js';
import type { AgentRegistration } from '../../codec/index.js';
import type { KamfConfig } from '../../core/config.js';
import { KamfError } from '../../core/errors.js';
import { createKafka, createRegistry, resolveEndpoints, type Endpoints } from '../../core/kafka.js';
import { TOPICS } from '../../core/topics.js';

/** Default registry topic (compacted, one partition). */
export const DEFAULT_REGISTRY_TOPIC = TOPICS.registry.name;

/** Agent names end up in topic names (`agent.<name>.requests`): Kafka's topic alphabet, no `/`. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;
/** Instance ids: anything printable without `/` and whitespace (a UUID by default). */
export const INSTANCE_ID_PATTERN = /^[^/\s]{1,200}$/;

/** The compacted record key of one agent instance. */
export function registryKey(agentName: string, instanceId: string): string {
  return `${agentName}/${instanceId}`;
}

/** Splits a registry key; keys without `/` (an agent that registered under its bare name) have no instance id. */
export function parseRegistryKey(key: string): { agentName: string; instanceId: string | undefined } {
  const slash = key.indexOf('/');
  if (slash < 0) return { agentName: key, instanceId: undefined };
  return { agentName: key.slice(0, slash), instanceId: key.slice(slash + 1) };
}

/** The codec operations the registry needs (an `A2ACodec` fits; unit tests may pass a fake). */
export type RegistryCodec = Pick<A2ACodec, 'encodeAgentRegistration' | 'decodeAgentRegistration'>;

/**
 * How to reach Kafka and the schema registry: either clients the caller already has (an agent process shares
 * one `Kafka` and one codec between its server, its publisher and its directory), or a config from which the
 * clients are created through `core/kafka.ts`.
 */
export type RegistryConnection = { kafka: Kafka; codec: RegistryCodec } | { config: KamfConfig; endpoints?: Endpoints };

export interface ResolvedConnection {
  kafka: Kafka;
  codec: RegistryCodec;
}

export function resolveConnection(connection: RegistryConnection, clientId: string): ResolvedConnection {
  if ('kafka' in connection) return { kafka: connection.kafka, codec: connection.codec };
  const endpoints = connection.endpoints ?? resolveEndpoints(connection.config);
  const kafka = createKafka(connection.config, endpoints, { clientId });
  const codec = new A2ACodec({ serde: new AvroSerde({ registry: createRegistry(connection.config, endpoints) }) });
  return { kafka, codec };
}

/** Where the registry reports what it cannot throw (a failed heartbeat, a poison record). */
export interface RegistryLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

export const consoleLogger: RegistryLogger = {
  warn: (message, details) => console.warn(`[kamf registry] ${message}`, ...(details ? [details] : [])),
};

// ---- validation (where user input enters) --------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const connectionSchema = z.custom<RegistryConnection>(
  (v) =>
    isObject(v) &&
    ((isObject(v.kafka) &&
      typeof (v.kafka as { producer?: unknown }).producer === 'function' &&
      isObject(v.codec) &&
      typeof (v.codec as { decodeAgentRegistration?: unknown }).decodeAgentRegistration === 'function') ||
      isObject(v.config)),
  { message: 'expected { kafka, codec } (a kafkajs Kafka and an A2ACodec) or { config, endpoints? }' },
);

export const loggerSchema = z.custom<RegistryLogger>((v) => isObject(v) && typeof v.warn === 'function', {
  message: 'expected a logger with a warn(message, details) method',
});

export const clockSchema = z.custom<() => number>((v) => typeof v === 'function', { message: 'expected a function returning epoch millis' });

export const topicSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, ".", "_", "-")');

export const agentNameSchema = z
  .string()
  .regex(AGENT_NAME_PATTERN, 'expected an agent name of letters, digits, ".", "_", "-" (it becomes part of topic names)');

/** Parses options with zod; failures become CONFIG_INVALID naming every offending field. */
export function parseOptions<S extends z.ZodType>(what: string, schema: S, input: unknown): z.infer<S> {
  const res = schema.safeParse(input);
  if (res.success) return res.data;
  const problems = res.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`);
  throw new KamfError('CONFIG_INVALID', `invalid ${what} options: ${problems.join('; ')}`, { details: { problems } });
}

/** Resolves with `p`, or rejects with `onTimeout()` after `ms`; the loser's rejection is swallowed. */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  p.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A registration as a plain object for logs (no card body). */
export function describeRegistration(r: AgentRegistration): Record<string, unknown> {
  return { agentName: r.agentName, instanceId: r.instanceId, status: r.status, heartbeatAt: r.heartbeatAt, ttlMs: r.ttlMs };
}
