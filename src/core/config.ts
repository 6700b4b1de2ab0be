/**
 * KAMF configuration: defaults ← config file (kamf.config.json or $KAMF_CONFIG) ← environment.
 * Validated once, where user input enters; everything downstream receives a typed `KamfConfig`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { KamfError } from './errors.js';
import { DEFAULT_TASK_RETENTION_MS } from './topics.js';

const saslSchema = z.object({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  password: z.string().default(''),
  /** Read the password from this file (it must not be readable by other users); wins over `password`. */
  passwordFile: z.string().optional(),
});

const tlsSchema = z.union([
  z.boolean(),
  z.object({
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
]);

export const configSchema = z.object({
  clientId: z.string().default('kamf'),
  kafka: z
    .object({
      /** Brokers of an existing cluster. Empty means: use (and start) the local stack. */
      brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).default([]),
      sasl: saslSchema.optional(),
      tls: tlsSchema.optional(),
      connectionTimeoutMs: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  registry: z
    .object({
      /** Confluent-compatible API base URL. Empty means: the local Apicurio. */
      url: z.string().url().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      /** Read the password from this file (it must not be readable by other users); wins over `password`. */
      passwordFile: z.string().optional(),
    })
    .prefault({}),
  infra: z
    .object({
      /** Where jars, data directories, logs and pid files of the local stack live. */
      dir: z.string().default('.infra'),
      /** Runtime directory (data, logs, pids) of the stack; default <dir>/run. */
      runDir: z.string().optional(),
      host: z.literal('127.0.0.1').default('127.0.0.1'),
      kafkaPort: z.number().int().min(1).max(65535).default(9092),
      controllerPort: z.number().int().min(1).max(65535).default(9093),
      registryPort: z.number().int().min(1).max(65535).default(8080),
      /** kafkasql keeps schemas in Kafka (they survive restarts, like the data); mem is faster for tests. */
      registryStorage: z.enum(['kafkasql', 'mem']).default('kafkasql'),
      javaHome: z.string().optional(),
      startTimeoutMs: z.number().int().positive().default(120_000),
      /**
       * The local broker secured: SASL/SCRAM-SHA-512, the StandardAuthorizer, an admin super user (docs/security.md).
       * Its run directory defaults to <dir>/run-secure, since credentials go in when the storage is formatted.
       */
      secure: z.boolean().default(false),
      /** With `secure`: TLS on the client listener with a generated CA (default), or SASL_PLAINTEXT. */
      secureTls: z.boolean().default(true),
    })
    .prefault({}),
  agents: z
    .object({
      /** How long an agent keeps a finished task after its last snapshot (topic and memory); 0 = for ever. */
      taskRetentionMs: z.number().int().min(0).default(DEFAULT_TASK_RETENTION_MS),
    })
    .prefault({}),
});

export type KamfConfig = z.infer<typeof configSchema>;
export type KamfConfigInput = z.input<typeof configSchema>;

/** Every environment variable KAMF reads, with the config path it sets. Also rendered in the README. */
export const ENV_VARS: ReadonlyArray<{ name: string; path: string; description: string }> = [
  { name: 'KAMF_CONFIG', path: '-', description: 'Path of a JSON config file (default ./kamf.config.json if present)' },
  { name: 'KAFKA_BROKERS', path: 'kafka.brokers', description: 'Comma-separated host:port of an existing cluster; then nothing local starts' },
  { name: 'KAFKA_SASL_MECHANISM', path: 'kafka.sasl.mechanism', description: 'plain, scram-sha-256 or scram-sha-512' },
  { name: 'KAFKA_SASL_USERNAME', path: 'kafka.sasl.username', description: 'SASL user' },
  { name: 'KAFKA_SASL_PASSWORD', path: 'kafka.sasl.password', description: 'SASL password' },
  { name: 'KAFKA_SASL_PASSWORD_FILE', path: 'kafka.sasl.passwordFile', description: 'File holding the SASL password (refused when other users can read it)' },
  { name: 'KAFKA_TLS', path: 'kafka.tls', description: 'true to connect with TLS (system CAs)' },
  { name: 'KAFKA_TLS_CA_FILE', path: 'kafka.tls.caFile', description: 'PEM CA bundle for the brokers (implies TLS)' },
  { name: 'SCHEMA_REGISTRY_URL', path: 'registry.url', description: 'Confluent-compatible registry URL; then no local registry starts' },
  { name: 'SCHEMA_REGISTRY_USERNAME', path: 'registry.username', description: 'Registry basic-auth user' },
  { name: 'SCHEMA_REGISTRY_PASSWORD', path: 'registry.password', description: 'Registry basic-auth password' },
  { name: 'SCHEMA_REGISTRY_PASSWORD_FILE', path: 'registry.passwordFile', description: 'File holding the registry password (refused when other users can read it)' },
  { name: 'KAMF_INFRA_DIR', path: 'infra.dir', description: 'Cache and state directory of the local stack (default .infra)' },
  { name: 'KAMF_KAFKA_PORT', path: 'infra.kafkaPort', description: 'Port of the local broker (default 9092)' },
  { name: 'KAMF_REGISTRY_PORT', path: 'infra.registryPort', description: 'Port of the local registry (default 8080)' },
  { name: 'KAMF_RUN_DIR', path: 'infra.runDir', description: 'Data, logs and pid files of the local stack (default <infra dir>/run)' },
  { name: 'KAMF_CONTROLLER_PORT', path: 'infra.controllerPort', description: 'KRaft controller port of the local broker (default 9093)' },
  { name: 'KAMF_REGISTRY_STORAGE', path: 'infra.registryStorage', description: 'kafkasql (schemas kept in Kafka, default) or mem' },
  { name: 'KAMF_JAVA_HOME', path: 'infra.javaHome', description: 'JDK used for the local stack (default: java on PATH / JAVA_HOME)' },
  { name: 'KAMF_SECURE', path: 'infra.secure', description: 'true: the local broker runs secured (SASL/SCRAM, TLS, ACLs) and KAMF connects as its admin' },
  { name: 'KAMF_ROUTER_MAX_HEAP_MB', path: '-', description: 'Heap cap of `kamf route` on the embedded engine, MB (default 256; 0: Node\'s own limit)' },
  { name: 'KAMF_TASK_RETENTION_MS', path: 'agents.taskRetentionMs', description: 'How long agents keep a finished task after its last snapshot, ms (default 86400000, a day; 0 = for ever)' },
];

type Env = Record<string, string | undefined>;

function fromEnv(env: Env): KamfConfigInput {
  const out: { kafka: Record<string, unknown>; registry: Record<string, unknown>; infra: Record<string, unknown>; agents: Record<string, unknown> } = {
    kafka: {},
    registry: {},
    infra: {},
    agents: {},
  };
  if (env.KAFKA_BROKERS) out.kafka.brokers = env.KAFKA_BROKERS.split(',').map((s) => s.trim()).filter(Boolean);
  if (env.KAFKA_SASL_MECHANISM || env.KAFKA_SASL_USERNAME) {
    out.kafka.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM?.toLowerCase(),
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD ?? '',
      ...(env.KAFKA_SASL_PASSWORD_FILE ? { passwordFile: env.KAFKA_SASL_PASSWORD_FILE } : {}),
    };
  }
  if (env.KAFKA_TLS_CA_FILE) out.kafka.tls = { caFile: env.KAFKA_TLS_CA_FILE };
  else if (env.KAFKA_TLS) out.kafka.tls = /^(1|true|yes)$/i.test(env.KAFKA_TLS);
  if (env.SCHEMA_REGISTRY_URL) out.registry.url = env.SCHEMA_REGISTRY_URL;
  if (env.SCHEMA_REGISTRY_USERNAME) out.registry.username = env.SCHEMA_REGISTRY_USERNAME;
  if (env.SCHEMA_REGISTRY_PASSWORD) out.registry.password = env.SCHEMA_REGISTRY_PASSWORD;
  if (env.SCHEMA_REGISTRY_PASSWORD_FILE) out.registry.passwordFile = env.SCHEMA_REGISTRY_PASSWORD_FILE;
  if (env.KAMF_INFRA_DIR) out.infra.dir = env.KAMF_INFRA_DIR;
  if (env.KAMF_KAFKA_PORT) out.infra.kafkaPort = Number(env.KAMF_KAFKA_PORT);
  if (env.KAMF_REGISTRY_PORT) out.infra.registryPort = Number(env.KAMF_REGISTRY_PORT);
  if (env.KAMF_RUN_DIR) out.infra.runDir = env.KAMF_RUN_DIR;
  if (env.KAMF_CONTROLLER_PORT) out.infra.controllerPort = Number(env.KAMF_CONTROLLER_PORT);
  if (env.KAMF_REGISTRY_STORAGE) out.infra.registryStorage = env.KAMF_REGISTRY_STORAGE;
  if (env.KAMF_JAVA_HOME) out.infra.javaHome = env.KAMF_JAVA_HOME;
  if (env.KAMF_SECURE) out.infra.secure = /^(1|true|yes)$/i.test(env.KAMF_SECURE);
  if (env.KAMF_TASK_RETENTION_MS) out.agents.taskRetentionMs = Number(env.KAMF_TASK_RETENTION_MS);
  return out as KamfConfigInput;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge for plain config objects: later wins, arrays are replaced. */
export function mergeConfig(...layers: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!isObject(layer)) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isObject(v) && isObject(out[k]) ? mergeConfig(out[k], v) : v;
    }
  }
  return out;
}

export function parseConfig(input: unknown, source = 'config'): KamfConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new KamfError('CONFIG_INVALID', `Invalid KAMF configuration (${source}):\n${issues}`, {
      details: { issues: result.error.issues },
    });
  }
  return result.data;
}

export interface LoadConfigOptions {
  env?: Env;
  cwd?: string;
  /** Explicit file, overriding $KAMF_CONFIG and ./kamf.config.json. */
  file?: string;
  /** Highest-priority overrides (CLI flags, tests). */
  overrides?: KamfConfigInput;
}

export function loadConfig(options: LoadConfigOptions = {}): KamfConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env.KAMF_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, 'kamf.config.json');
  let fileLayer: unknown = {};
  if (existsSync(file)) {
    try {
      fileLayer = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new KamfError('CONFIG_INVALID', `Cannot read config file ${file}: ${(cause as Error).message}`, { cause });
    }
  } else if (explicit) {
    throw new KamfError('CONFIG_INVALID', `Config file not found: ${file}`);
  }
  const merged = mergeConfig(fileLayer, fromEnv(env), options.overrides ?? {});
  const config = parseConfig(merged, existsSync(file) ? file : 'environment');
  config.infra.dir = resolve(cwd, config.infra.dir);
  // a secured broker needs storage of its own (credentials go in when it is formatted)
  config.infra.runDir = resolve(cwd, config.infra.runDir ?? resolve(config.infra.dir, config.infra.secure ? 'run-secure' : 'run'));
  if (config.kafka.sasl?.passwordFile) config.kafka.sasl.password = readSecretFile(resolve(cwd, config.kafka.sasl.passwordFile), 'kafka.sasl.passwordFile');
  if (config.registry.passwordFile) config.registry.password = readSecretFile(resolve(cwd, config.registry.passwordFile), 'registry.passwordFile');
  const tls = config.kafka.tls;
  if (typeof tls === 'object' && tls.keyFile) assertPrivate(resolve(cwd, tls.keyFile), 'kafka.tls.keyFile');
  return withLocalSecurity(config);
}

/** Where the secured local stack keeps its secrets (src/infra/secure.ts writes them). */
export function localSecretsDir(config: Pick<KamfConfig, 'infra'>): string {
  return resolve(config.infra.runDir ?? resolve(config.infra.dir, 'run-secure'), 'secure');
}

/**
 * With `infra.secure` and the local broker, connect as the secured stack's admin (SASL/SCRAM, and TLS with its CA),
 * unless SASL is configured explicitly. A stack not yet started has no credentials: call again after `up`.
 */
export function withLocalSecurity(config: KamfConfig): KamfConfig {
  if (!config.infra.secure || config.kafka.brokers.length > 0 || config.kafka.sasl) return config;
  const dir = localSecretsDir(config);
  const passwordFile = resolve(dir, 'users', 'admin.password');
  if (!existsSync(passwordFile)) return config;
  const caFile = resolve(dir, 'ca.pem');
  return {
    ...config,
    kafka: {
      ...config.kafka,
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: readSecretFile(passwordFile, 'the secured stack\'s admin password'), passwordFile },
      ...(config.infra.secureTls && existsSync(caFile) ? { tls: { caFile, rejectUnauthorized: true } } : {}),
    },
  };
}

/** Refuses a secret file that other users can read (`chmod 600` it): a leaked password is not a password. */
export function assertPrivate(file: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (cause) {
    throw new KamfError('CONFIG_INVALID', `${what}: cannot read ${file}`, { cause, details: { file } });
  }
  if (process.platform !== 'win32' && (mode & 0o004) !== 0) {
    throw new KamfError('CONFIG_INVALID', `${what}: ${file} is readable by every user on this machine; a secret file must not be`, {
      details: { file, mode: (mode & 0o777).toString(8) },
      hint: `chmod 600 ${file}`,
    });
  }
}

/** The contents of a secret file (trimmed), after checking that other users cannot read it. */
export function readSecretFile(file: string, what: string): string {
  assertPrivate(file, what);
  return readFileSync(file, 'utf8').trim();
}

/** True when KAMF must start (or reuse) the local stack rather than use an external cluster. */
export function usesLocalStack(config: KamfConfig): { kafka: boolean; registry: boolean } {
  return { kafka: config.kafka.brokers.length === 0, registry: config.registry.url === undefined };
}
