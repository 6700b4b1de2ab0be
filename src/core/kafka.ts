/**
 * The one module that owns the Kafka and schema-registry clients. Everything else asks here,
 * so connection options (SASL, TLS, registry auth, logging) are decided in one place.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions, type logCreator } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { KamfConfig } from './config.js';
import { keyHashPartitioner } from './partitioner.js';
import { jsonLogLine } from './telemetry.js';

/** Where the cluster and registry actually are, after deciding local vs external. */
export interface Endpoints {
  brokers: string[];
  registryUrl: string;
}

export function localEndpoints(config: KamfConfig): Endpoints {
  const { host, kafkaPort, registryPort } = config.infra;
  return { brokers: [`${host}:${kafkaPort}`], registryUrl: `http://${host}:${registryPort}/apis/ccompat/v7` };
}

/** External settings win; whatever is not configured falls back to the local stack. */
export function resolveEndpoints(config: KamfConfig): Endpoints {
  const local = localEndpoints(config);
  return {
    brokers: config.kafka.brokers.length > 0 ? config.kafka.brokers : local.brokers,
    registryUrl: config.registry.url ?? local.registryUrl,
  };
}

function sasl(config: KamfConfig): SASLOptions | undefined {
  const s = config.kafka.sasl;
  if (!s) return undefined;
  return { mechanism: s.mechanism, username: s.username, password: s.password } as SASLOptions;
}

function ssl(config: KamfConfig): KafkaConfig['ssl'] {
  const t = config.kafka.tls;
  if (t === undefined || t === false) return undefined;
  if (t === true) return true;
  return {
    rejectUnauthorized: t.rejectUnauthorized,
    ...(t.caFile ? { ca: [readFileSync(t.caFile, 'utf8')] } : {}),
    ...(t.certFile ? { cert: readFileSync(t.certFile, 'utf8') } : {}),
    ...(t.keyFile ? { key: readFileSync(t.keyFile, 'utf8') } : {}),
  };
}

export interface ClientOptions {
  clientId?: string;
  /** kafkajs logs at ERROR by default (KAMF_LOG_LEVEL=debug shows client internals, =nothing silences it). */
  logLevel?: logLevel;
}

/**
 * kafkajs logs retriable broker answers (a coordinator still loading after start, a leader election, a topic
 * that is being created) as ERROR although it retries them itself; those are shown at DEBUG only.
 */
const RETRIABLE = /coordinator is loading|coordinator is not available|not the correct coordinator|leadership election|There is no leader|does not host this topic-partition|rebalance in progress|The group is rebalancing/i;

const quietLogCreator: logCreator = () => {
  return ({ namespace, level, label, log }) => {
    const text = `${log.message ?? ''} ${String((log as { error?: unknown }).error ?? '')}`;
    const effective = level === logLevel.ERROR && RETRIABLE.test(text) ? logLevel.DEBUG : level;
    const threshold = envLogLevel();
    if (effective > threshold) return;
    // one readable line; the stack only when debugging (the caller's own error tells what failed)
    const { message, stack, timestamp: _t, logger: _l, ...rest } = log as Record<string, unknown>;
    const shown = effective === level ? label : 'DEBUG';
    const withStack = threshold >= logLevel.DEBUG && typeof stack === 'string';
    // KAMF_LOG_FORMAT=json: one JSON object per entry, its facts as fields, the active span's ids beside them
    const json = jsonLogLine('kafkajs', String(message ?? ''), process.env, { level: shown, namespace, ...rest, ...(withStack ? { stack } : {}) });
    if (json) return void process.stderr.write(json);
    const facts = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    process.stderr.write(`kafkajs ${shown} ${namespace}: ${String(message ?? '')}${facts ? ` (${facts})` : ''}${withStack ? `\n${stack}` : ''}\n`);
  };
};

export function createKafka(config: KamfConfig, endpoints: Endpoints, options: ClientOptions = {}): Kafka {
  // kafkajs builds every entry at or under this level, so it is the configured one, not DEBUG filtered afterwards
  const level = options.logLevel ?? envLogLevel();
  const saslOptions = sasl(config);
  const kafka = new Kafka({
    clientId: options.clientId ?? config.clientId,
    brokers: endpoints.brokers,
    connectionTimeout: config.kafka.connectionTimeoutMs,
    ssl: ssl(config),
    ...(saslOptions ? { sasl: saslOptions } : {}),
    logLevel: level,
    logCreator: quietLogCreator,
    retry: { retries: 5, initialRetryTime: 100 },
  });
  // every producer partitions keys as the Java client does, without kafkajs' 64-bit arithmetic per byte
  const producer = kafka.producer.bind(kafka);
  kafka.producer = (cfg) => producer({ createPartitioner: keyHashPartitioner, ...cfg });
  return kafka;
}

export function createRegistry(config: KamfConfig, endpoints: Endpoints): SchemaRegistry {
  const { username, password } = config.registry;
  return new SchemaRegistry({
    host: endpoints.registryUrl,
    ...(username ? { auth: { username, password: password ?? '' } } : {}),
    clientId: config.clientId,
    // the registry is on the hot path only at startup (ids are cached), so fail fast instead of hanging
    retry: { retries: 2, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 1 },
  });
}

function envLogLevel(): logLevel {
  switch ((process.env.KAMF_LOG_LEVEL ?? '').toLowerCase()) {
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'nothing':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}
