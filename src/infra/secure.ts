/**
 * The secured local broker (`kamf infra up --secure`): SASL/SCRAM-SHA-512 on the client listener (over TLS with a
 * CA generated here, or plain), the StandardAuthorizer, `admin` as the only super user, and one SCRAM principal per
 * agent. Secrets live under <runDir>/secure, a directory only its owner can enter, in files only the owner can read.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KamfError } from '../core/errors.js';
import { pkgPath } from '../core/paths.js';

const run = promisify(execFile);

/** The super user KAMF administers the secured broker with (topics, ACLs, SCRAM users). */
export const ADMIN_USER = 'admin';
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
/** SCRAM user names KAMF creates: what kafka's ConfigCommand and the `--add-scram` syntax take without quoting. */
export const PRINCIPAL_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

export interface SecureStackOptions {
  /** SASL_SSL with a generated CA (default), or SASL_PLAINTEXT. */
  tls?: boolean;
  /** SCRAM users created with the broker's storage (faster than adding them later); passwords are generated. */
  users?: string[];
}

/** Where the secured stack keeps its secrets, and how clients reach it. */
export interface SecureMaterial {
  dir: string;
  protocol: 'SASL_SSL' | 'SASL_PLAINTEXT';
  adminUser: string;
  /** The PEM CA clients trust (TLS only). */
  caFile?: string;
  /** Broker key, certificate and CA in one PEM file (TLS only). */
  keystoreFile?: string;
}

/** What a Kafka client of the secured stack needs: the shape of `KamfConfig['kafka']`'s sasl and tls. */
export interface ClientSecurity {
  sasl: { mechanism: 'scram-sha-512'; username: string; password: string };
  tls?: { caFile: string; rejectUnauthorized: boolean };
}

/** Writes a secret: the file is created readable by its owner only (and re-restricted if it existed). */
export function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

const newPassword = () => randomBytes(24).toString('base64url');

function secretsDir(runDir: string): string {
  const dir = join(runDir, 'secure');
  mkdirSync(join(dir, 'users'), { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/** The password of a SCRAM user of this stack, generated (and kept) on first use. */
export function userPassword(material: Pick<SecureMaterial, 'dir'>, user: string): string {
  if (!PRINCIPAL_PATTERN.test(user)) {
    throw new KamfError('CONFIG_INVALID', `"${user}" is not a usable principal name: letters, digits, ".", "_", "-" only`, { details: { user } });
  }
  const file = passwordFile(material, user);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = newPassword();
  writeSecret(file, password);
  return password;
}

export const passwordFile = (material: Pick<SecureMaterial, 'dir'>, user: string) => join(material.dir, 'users', `${user}.password`);

/** Creates (once) the admin password and, with TLS, a CA and a broker certificate for 127.0.0.1 / localhost. */
export async function ensureSecureMaterial(runDir: string, host: string, tls: boolean): Promise<SecureMaterial> {
  const dir = secretsDir(runDir);
  const material: SecureMaterial = { dir, protocol: tls ? 'SASL_SSL' : 'SASL_PLAINTEXT', adminUser: ADMIN_USER };
  userPassword(material, ADMIN_USER);
  if (!tls) return material;
  const caFile = join(dir, 'ca.pem');
  const keystoreFile = join(dir, 'broker-keystore.pem');
  if (!existsSync(keystoreFile)) {
    try {
      const caKey = join(dir, 'ca.key');
      const key = join(dir, 'broker.key');
      const csr = join(dir, 'broker.csr');
      const cert = join(dir, 'broker.pem');
      const ext = join(dir, 'broker.ext');
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '825', '-subj', '/CN=KAMF local CA']);
      await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${host}`]);
      writeFileSync(ext, `subjectAltName=IP:${host},IP:127.0.0.1,DNS:localhost\n`);
      await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '825', '-extfile', ext]);
      writeSecret(keystoreFile, [readFileSync(key, 'utf8'), readFileSync(cert, 'utf8'), readFileSync(caFile, 'utf8')].join(''));
      chmodSync(caKey, 0o600);
      chmodSync(key, 0o600);
    } catch (cause) {
      throw new KamfError('INFRA_MISSING_TOOL', `could not generate the TLS certificates of the secured stack with openssl: ${(cause as Error).message}`, {
        cause,
        hint: 'Install openssl, or start the secured stack without TLS (SASL_PLAINTEXT): kamf infra up --secure --no-tls',
      });
    }
  }
  return { ...material, caFile, keystoreFile };
}

/** The secured broker's settings: the base template with its listener lines replaced by the secure template's. */
export function secureServerProperties(base: string, m: SecureMaterial, vars: { host: string; kafkaPort: number; controllerPort: number }): string {
  const replaced = /^(listeners|advertised\.listeners|controller\.listener\.names|inter\.broker\.listener\.name|listener\.security\.protocol\.map)=/;
  const kept = base.split('\n').filter((l) => !replaced.test(l.trim()));
  const ssl = m.keystoreFile
    ? [
        `ssl.keystore.type=PEM`,
        `ssl.keystore.location=${m.keystoreFile}`,
        `ssl.truststore.type=PEM`,
        `ssl.truststore.location=${m.caFile}`,
      ].join('\n')
    : '';
  const secure = readFileSync(pkgPath('infra', 'kafka', 'server-secure.properties.template'), 'utf8')
    .replaceAll('${HOST}', vars.host)
    .replaceAll('${KAFKA_PORT}', String(vars.kafkaPort))
    .replaceAll('${CONTROLLER_PORT}', String(vars.controllerPort))
    .replaceAll('${CLIENT_PROTOCOL}', m.protocol)
    .replaceAll('${ADMIN_USER}', m.adminUser)
    .replaceAll('${ADMIN_PASSWORD}', userPassword(m, m.adminUser))
    .replaceAll('${SSL_SETTINGS}', ssl);
  return `${kept.join('\n')}\n${secure}`;
}

/** `StorageTool format` arguments that create SCRAM users with the storage (the admin's is required). */
export function scramFormatArgs(m: SecureMaterial, users: readonly string[]): string[] {
  const all = [m.adminUser, ...users.filter((u) => u !== m.adminUser)];
  return all.flatMap((u) => ['--add-scram', `${SCRAM_MECHANISM}=[name=${u},password=${userPassword(m, u)}]`]);
}

/** Client settings for one principal of this stack (the admin by default). */
export function clientSecurity(m: SecureMaterial, user: string = m.adminUser): ClientSecurity {
  return {
    sasl: { mechanism: 'scram-sha-512', username: user, password: userPassword(m, user) },
    ...(m.caFile ? { tls: { caFile: m.caFile, rejectUnauthorized: true } } : {}),
  };
}

/** A Java client properties file for the admin (ConfigCommand), readable by its owner only. */
function adminClientProperties(m: SecureMaterial): string {
  const file = join(m.dir, 'admin-client.properties');
  const lines = [
    `security.protocol=${m.protocol}`,
    `sasl.mechanism=${SCRAM_MECHANISM}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${m.adminUser}" password="${userPassword(m, m.adminUser)}";`,
    ...(m.caFile ? ['ssl.truststore.type=PEM', `ssl.truststore.location=${m.caFile}`] : []),
  ];
  writeSecret(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Creates or updates a SCRAM user on the running broker with Kafka's ConfigCommand (kafkajs cannot), as the admin.
 * Returns the password (kept under <runDir>/secure/users). About 1.5 s: a JVM starts.
 */
export async function addScramUser(java: string, classpath: string, bootstrap: string, m: SecureMaterial, user: string): Promise<string> {
  const password = userPassword(m, user);
  const config = adminClientProperties(m);
  try {
    await run(java, [
      '-Xmx128m',
      `-Dlog4j2.configurationFile=${pkgPath('infra', 'kafka', 'log4j2.properties')}`,
      '-cp',
      classpath,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      bootstrap,
      '--command-config',
      config,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      user,
      // on the command line for the second this JVM runs: ConfigCommand's --add-config-file mangles the SCRAM key
      '--add-config',
      `${SCRAM_MECHANISM}=[iterations=8192,password=${password}]`,
    ]);
  } catch (cause) {
    // the command line holds the password: never echo it
    const stderr = String((cause as { stderr?: unknown }).stderr ?? '').replaceAll(password, '***');
    throw new KamfError('KAFKA_ERROR', `could not create the SCRAM user ${user}: ${stderr.split('\n').filter(Boolean).slice(-3).join(' ')}`, {
      details: { user },
    });
  }
  return password;
}
