/**
 * How each JVM service of the local stack is prepared, started and health-checked.
 * Kafka: KRaft single node (format once, then start). Registry: Apicurio with the Confluent-compatible API.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { KamfError } from '../core/errors.js';
import { pkgPath } from '../core/paths.js';
import { scramFormatArgs, secureServerProperties, writeSecret, type ClientSecurity, type SecureMaterial } from './secure.js';

const run = promisify(execFile);

export interface ServiceLayout {
  /** Runtime directory of this stack (data, logs, state). */
  runDir: string;
  host: string;
}

export interface KafkaSettings extends ServiceLayout {
  kafkaPort: number;
  controllerPort: number;
  classpath: string;
  /** The secured broker (SASL/SCRAM, authorizer, TLS): its secrets, and the SCRAM users to create at format time. */
  secure?: { material: SecureMaterial; users: readonly string[] };
}

export interface RegistrySettings extends ServiceLayout {
  registryPort: number;
  jar: string;
  storage: 'kafkasql' | 'mem';
  brokers: string;
  /** The secured broker's admin credentials, for kafkasql storage. */
  kafkaAuth?: ClientSecurity;
}

export const logFileOf = (runDir: string, service: string) => join(runDir, 'logs', `${service}.log`);

export async function prepareKafka(java: string, s: KafkaSettings): Promise<{ args: string[] }> {
  const dataDir = join(s.runDir, 'kafka-data');
  const confDir = join(s.runDir, 'conf');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(confDir, { recursive: true });
  mkdirSync(join(s.runDir, 'logs'), { recursive: true });
  const base = readFileSync(pkgPath('infra', 'kafka', 'server.properties.template'), 'utf8');
  const template = s.secure ? secureServerProperties(base, s.secure.material, s) : base;
  const props = template
    .replaceAll('${HOST}', s.host)
    .replaceAll('${KAFKA_PORT}', String(s.kafkaPort))
    .replaceAll('${CONTROLLER_PORT}', String(s.controllerPort))
    .replaceAll('${DATA_DIR}', dataDir);
  const propsFile = join(confDir, 'server.properties');
  // the secured broker's settings hold the admin password
  if (s.secure) writeSecret(propsFile, props);
  else writeFileSync(propsFile, props);
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const { stdout } = await run(java, ['-cp', s.classpath, 'kafka.tools.StorageTool', 'random-uuid']);
    const clusterId = stdout.trim().split('\n').pop() ?? '';
    // SCRAM credentials only go in with the first format: a secured stack needs data of its own
    const scram = s.secure ? scramFormatArgs(s.secure.material, s.secure.users) : [];
    await run(java, ['-cp', s.classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--ignore-formatted', ...scram]);
  }
  return {
    args: [
      '-Xmx512m',
      '-Xms128m',
      '-XX:+UseSerialGC', // two cores: a parallel collector only competes with the tests
      `-Dlog4j2.configurationFile=${pkgPath('infra', 'kafka', 'log4j2.properties')}`,
      '-Dkamf.service=kafka',
      '-cp',
      s.classpath,
      'kafka.Kafka',
      propsFile,
    ],
  };
}

/**
 * Kafka client settings of the registry's kafkasql storage on the secured broker. They go in a Quarkus config file
 * in the registry's working directory (readable by its owner only), not on the command line, where `ps` shows them.
 */
function writeRegistryKafkaAuth(s: RegistrySettings): void {
  const auth = s.kafkaAuth;
  if (!auth || s.storage !== 'kafkasql') return;
  const prefix = 'apicurio.kafka.common.';
  const lines = [
    `${prefix}security.protocol=${auth.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
    `${prefix}sasl.mechanism=SCRAM-SHA-512`,
    `${prefix}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${auth.sasl.username}" password="${auth.sasl.password}";`,
    ...(auth.tls ? [`${prefix}ssl.truststore.type=PEM`, `${prefix}ssl.truststore.location=${auth.tls.caFile}`] : []),
  ];
  mkdirSync(join(s.runDir, 'config'), { recursive: true, mode: 0o700 });
  writeSecret(join(s.runDir, 'config', 'application.properties'), lines.join('\n') + '\n');
}

export function registryArgs(s: RegistrySettings): string[] {
  writeRegistryKafkaAuth(s);
  return [
    '-Xmx512m',
    '-XX:+UseSerialGC',
    `-Dquarkus.http.host=${s.host}`,
    `-Dquarkus.http.port=${s.registryPort}`,
    '-Dquarkus.management.enabled=false',
    // Apicurio answers NONE for a subject without its own rule; a global BACKWARD rule keeps Confluent clients working
    '-Dapicurio.rules.global.compatibility=BACKWARD',
    // content lookups must not depend on how a client stringified the schema
    '-Dapicurio.ccompat.use-canonical-hash=true',
    '-Dquarkus.log.level=WARN',
    '-Dquarkus.log.category."io.apicurio".level=INFO',
    ...(s.storage === 'kafkasql'
      ? ['-Dapicurio.storage.kind=kafkasql', `-Dapicurio.kafkasql.bootstrap.servers=${s.brokers}`]
      : []),
    '-Dkamf.service=registry',
    '-jar',
    s.jar,
  ];
}

/** How a client authenticates to the broker (the secured stack's admin), in kafkajs terms. */
export type KafkaClientAuth = Pick<KafkaConfig, 'sasl' | 'ssl'>;

export async function kafkaHealthy(broker: string, timeoutMs = 3000, auth: KafkaClientAuth = {}): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'kamf-health',
    brokers: [broker],
    ...auth,
    connectionTimeout: timeoutMs,
    // also bounds the handshake kafkajs sends on connect, which a non-Kafka listener never answers
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  let timer: NodeJS.Timeout | undefined;
  // something that accepts TCP but does not speak Kafka would otherwise hold us for kafkajs' 30 s request timeout
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new KamfError('INFRA_START_FAILED', `no answer from ${broker} within ${timeoutMs} ms`)), timeoutMs)),
  );
  try {
    const cluster = await Promise.race([admin.connect().then(() => admin.describeCluster()), timeout]);
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}

export async function registryHealthy(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200;
  } catch {
    return false;
  }
}
