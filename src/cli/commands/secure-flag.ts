/** `--secure` for the commands that run the local stack: the secured broker (SASL/SCRAM, TLS, ACLs), as its admin. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, localSecretsDir, withLocalSecurity, type KamfConfig } from '../../core/config.js';
import { createKafka, createRegistry, resolveEndpoints } from '../../core/kafka.js';
import type { CliContext } from '../context.js';

export const SECURE_FLAG = '--secure';
export const SECURE_HELP = 'the secured local broker: SASL/SCRAM-SHA-512 over TLS, ACLs enforced, KAMF as its admin (same as KAMF_SECURE=1)';

/** The command's context, secured when `--secure` is given (or `infra.secure` is configured). */
export function secureContext(cmd: Command): CliContext {
  const opts = cmd.optsWithGlobals<{ config?: string; secure?: boolean; tls?: boolean }>();
  const overrides = opts.secure ? { infra: { secure: true, secureTls: opts.tls !== false } } : {};
  let config = loadConfig({ ...(opts.config ? { file: opts.config } : {}), overrides });
  const endpoints = resolveEndpoints(config);
  let kafka: ReturnType<typeof createKafka> | undefined;
  let registry: ReturnType<typeof createRegistry> | undefined;
  // the admin's credentials exist once the stack has started: read them when the first client is made
  const current = () => (config = withLocalSecurity(config));
  return {
    get config(): KamfConfig {
      return current();
    },
    endpoints,
    kafka: () => (kafka ??= createKafka(current(), endpoints)),
    registry: () => (registry ??= createRegistry(current(), endpoints)),
  };
}

/** What `kamf infra up --secure` prints: where the credentials are, and how other commands connect. */
export function secureNotes(config: KamfConfig): string {
  const dir = localSecretsDir(config);
  const tls = config.infra.secureTls;
  return [
    '',
    `Secured: SASL/SCRAM-SHA-512${tls ? ' over TLS' : ''}, ACLs enforced (nothing is allowed without one), super user "admin".`,
    `  admin password: ${join(dir, 'users', 'admin.password')} (readable by you only)`,
    ...(tls ? [`  CA certificate: ${join(dir, 'ca.pem')}`] : []),
    'Other commands connect as admin with KAMF_SECURE=1 (or "infra": { "secure": true } in kamf.config.json).',
    'An agent of its own principal and least-privilege ACLs: npx kamf acl grant <agent> --role agent',
  ].join('\n');
}
