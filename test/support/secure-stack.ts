/**
 * A secured LocalStack of one test file: SASL/SCRAM over TLS, the StandardAuthorizer, `admin` as super user, on free
 * ports with its own run directory, stopping with this process. Never the run's shared stack.
 */
import { parseConfig, type KamfConfig } from '../../src/core/config.js';
import { LocalStack, consoleProgress } from '../../src/infra/index.js';
import { testStackOptions } from './stack-options.js';

export interface SecureTestStack {
  stack: LocalStack;
  brokers: string[];
  registryUrl: string;
  /** A config that connects as `user` (default: the admin super user). */
  configFor(user?: string): Promise<KamfConfig>;
  stop(): Promise<void>;
}

export async function startSecureStack(opts: { users: string[]; registry?: boolean; tls?: boolean }): Promise<SecureTestStack> {
  const stack = new LocalStack({
    ...(await testStackOptions('kamf-secure')),
    services: { kafka: true, registry: opts.registry ?? false },
    secure: { tls: opts.tls ?? true, users: opts.users },
    owner: process.pid,
    startTimeoutMs: 180_000,
    progress: consoleProgress((l) => process.stderr.write(`[secure-stack] ${l}\n`)),
  });
  await stack.up();
  const brokers = [stack.kafkaAddress];
  return {
    stack,
    brokers,
    registryUrl: stack.registryUrl,
    async configFor(user?: string) {
      const security = await stack.clientSecurity(user);
      return parseConfig({ clientId: `kamf-test-${user ?? 'admin'}`, kafka: { brokers, ...security }, registry: { url: stack.registryUrl } });
    },
    async stop() {
      await stack.down();
      stack.clean();
    },
  };
}
