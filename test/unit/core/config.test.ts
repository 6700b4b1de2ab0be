import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, usesLocalStack } from '../../../src/core/config.js';
import { resolveEndpoints } from '../../../src/core/kafka.js';
import { isKamfError } from '../../../src/core/errors.js';

const cwd = mkdtempSync(join(tmpdir(), 'kamf-config-'));

describe('config', () => {
  it('defaults to the local stack on the standard ports', () => {
    const c = loadConfig({ env: {}, cwd });
    expect(usesLocalStack(c)).toEqual({ kafka: true, registry: true });
    expect(resolveEndpoints(c)).toEqual({ brokers: ['127.0.0.1:9092'], registryUrl: 'http://127.0.0.1:8080/apis/ccompat/v7' });
    expect(c.infra.runDir).toBe(join(cwd, '.infra', 'run'));
  });

  it('points at an external cluster from the environment, with SASL, TLS and registry auth', () => {
    const c = loadConfig({
      cwd,
      env: {
        KAFKA_BROKERS: 'b-1.msk:9096, b-2.msk:9096',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_TLS: 'true',
        SCHEMA_REGISTRY_URL: 'https://sr.example.com',
        SCHEMA_REGISTRY_USERNAME: 'key',
        SCHEMA_REGISTRY_PASSWORD: 'secret',
      },
    });
    expect(usesLocalStack(c)).toEqual({ kafka: false, registry: false });
    expect(c.kafka.brokers).toEqual(['b-1.msk:9096', 'b-2.msk:9096']);
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 'pw' });
    expect(c.kafka.tls).toBe(true);
    expect(c.registry).toEqual({ url: 'https://sr.example.com', username: 'key', password: 'secret' });
  });

  it('reads a config file and lets the environment override it', () => {
    const file = join(cwd, 'kamf.config.json');
    writeFileSync(file, JSON.stringify({ clientId: 'from-file', infra: { kafkaPort: 19092 }, kafka: { brokers: ['file:1'] } }));
    const c = loadConfig({ cwd, env: { KAFKA_BROKERS: 'env:2' } });
    expect(c.clientId).toBe('from-file');
    expect(c.infra.kafkaPort).toBe(19092);
    expect(c.kafka.brokers).toEqual(['env:2']);
  });

  it('rejects bad input with a typed error naming the field', () => {
    let err: unknown;
    try {
      loadConfig({ cwd, env: { KAFKA_BROKERS: 'no-port-here', KAMF_REGISTRY_PORT: '99999' } });
    } catch (e) {
      err = e;
    }
    expect(isKamfError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/kafka\.brokers\.0: expected host:port/);
    expect((err as Error).message).toMatch(/infra\.registryPort/);
  });

  it('sets the agents\' task retention by file and environment, and refuses one that is not a number', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kamf-config-agents-'));
    expect(loadConfig({ cwd: dir, env: {} }).agents.taskRetentionMs).toBe(86_400_000);
    writeFileSync(join(dir, 'kamf.config.json'), JSON.stringify({ agents: { taskRetentionMs: 3_600_000 } }));
    expect(loadConfig({ cwd: dir, env: {} }).agents.taskRetentionMs).toBe(3_600_000);
    expect(loadConfig({ cwd: dir, env: { KAMF_TASK_RETENTION_MS: '0' } }).agents.taskRetentionMs).toBe(0);
    expect(() => loadConfig({ cwd: dir, env: { KAMF_TASK_RETENTION_MS: 'a day' } })).toThrow(/agents\.taskRetentionMs/);
  });

  it('reports a missing explicit config file', () => {
    expect(() => loadConfig({ cwd, env: { KAMF_CONFIG: 'nope.json' } })).toThrow(/Config file not found/);
  });
});
