/** What integration tests need to reach the run's shared Kafka and registry. */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { parseConfig, type KamfConfig } from '../../src/core/config.js';
import type { Endpoints } from '../../src/core/kafka.js';

export function testEndpoints(): Endpoints {
  return { brokers: inject('kafkaBrokers').split(','), registryUrl: inject('schemaRegistryUrl') };
}

export function testConfig(): KamfConfig {
  const e = testEndpoints();
  return parseConfig({ clientId: 'kamf-test', kafka: { brokers: e.brokers }, registry: { url: e.registryUrl } });
}

/** Topic names unique to one test, so tests can run in parallel against one broker. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 8)}`;
}
