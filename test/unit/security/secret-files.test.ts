/** Secret files: refused when other users can read them; the password comes from the file. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';

const dir = mkdtempSync(join(tmpdir(), 'kamf-secret-'));
const file = (name: string, mode: number) => {
  const f = join(dir, name);
  writeFileSync(f, 's3cret\n');
  chmodSync(f, mode);
  return f;
};

describe.runIf(process.platform !== 'win32')('secret files', () => {
  it('reads the SASL and registry passwords from files only their owner can read', () => {
    const f = file('ok', 0o600);
    const config = loadConfig({ cwd: dir, env: { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: f, SCHEMA_REGISTRY_PASSWORD_FILE: f } });
    expect(config.kafka.sasl?.password).toBe('s3cret');
    expect(config.registry.password).toBe('s3cret');
  });

  it('refuses a world-readable password file, with the chmod to fix it', () => {
    const f = file('open', 0o644);
    let err: unknown;
    try {
      loadConfig({ cwd: dir, env: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: f } });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toMatch(/readable by every user/);
    expect((err as { hint?: string }).hint).toBe(`chmod 600 ${f}`);
    // and the secret itself is not in the message
    expect((err as Error).message).not.toMatch(/s3cret/);
  });

  it('refuses a world-readable TLS key file', () => {
    const f = file('key', 0o604);
    expect(() => loadConfig({ cwd: dir, overrides: { kafka: { tls: { keyFile: f } } } })).toThrow(/readable by every user/);
  });
});
