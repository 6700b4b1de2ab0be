/** docker-compose.yml is not run here (no Docker engine), so check that it is well-formed and matches the local defaults. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pkgPath } from '../../../src/core/paths.js';
import { loadConfig } from '../../../src/core/config.js';
import { localEndpoints } from '../../../src/core/kafka.js';
import { APICURIO_VERSION, KAFKA_VERSION } from '../../../src/infra/versions.js';

interface Service {
  image: string;
  ports?: string[];
  depends_on?: unknown;
  environment?: Record<string, unknown>;
}
const compose = parse(readFileSync(pkgPath('docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

describe('docker-compose.yml', () => {
  it('has Kafka, the registry and a Flink cluster with SQL Gateway', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['flink-jars', 'jaeger', 'jobmanager', 'kafka', 'prometheus', 'registry', 'sql-gateway', 'taskmanager']);
  });

  it('starts Jaeger and Prometheus only with the observability profile', () => {
    const profiled = Object.entries(compose.services as Record<string, Service & { profiles?: string[] }>).filter(([, s]) => s.profiles);
    expect(profiled.map(([n, s]) => [n, s.profiles])).toEqual([
      ['jaeger', ['observability']],
      ['prometheus', ['observability']],
    ]);
    expect(compose.services.jaeger!.ports).toContain('127.0.0.1:4318:4318');
  });

  it('pins the same versions the local stack runs', () => {
    expect(compose.services.kafka!.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(compose.services.registry!.image).toBe(`apicurio/apicurio-registry:${APICURIO_VERSION}`);
    for (const s of ['jobmanager', 'taskmanager', 'sql-gateway']) expect(compose.services[s]!.image).toMatch(/^flink:1\.20\.\d+-/);
  });

  it('publishes the local default ports on loopback only', () => {
    const local = localEndpoints(loadConfig({ env: {} }));
    const kafkaPort = local.brokers[0]!.split(':')[1];
    const registryPort = new URL(local.registryUrl).port;
    expect(compose.services.kafka!.ports).toEqual([`127.0.0.1:${kafkaPort}:9092`]);
    expect(compose.services.registry!.ports).toEqual([`127.0.0.1:${registryPort}:8080`]);
    for (const s of Object.values(compose.services)) for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('gives the registry the same compatibility settings as the local stack', () => {
    expect(compose.services.registry!.environment).toMatchObject({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD', APICURIO_CCOMPAT_USE_CANONICAL_HASH: 'true' });
  });
});
