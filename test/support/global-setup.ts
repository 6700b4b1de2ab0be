/**
 * One real Kafka broker and one real Apicurio registry per test run, on free ports with fresh data
 * directories, so a developer's running stack and CI never collide. Set KAMF_TEST_KAFKA_BROKERS and
 * KAMF_TEST_SCHEMA_REGISTRY_URL to run the suite against an existing cluster instead.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { LocalStack, consoleProgress, freePort } from '../../src/infra/index.js';
import { pkgPath } from '../../src/core/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    schemaRegistryUrl: string;
  }
}

let stack: LocalStack | undefined;

export async function setup(project: TestProject): Promise<void> {
  let brokers = process.env.KAMF_TEST_KAFKA_BROKERS;
  let registry = process.env.KAMF_TEST_SCHEMA_REGISTRY_URL;
  if (!brokers || !registry) {
    const runDir = mkdtempSync(join(tmpdir(), 'kamf-test-'));
    stack = new LocalStack({
      cacheDir: process.env.KAMF_INFRA_DIR ?? pkgPath('.infra'),
      runDir,
      kafkaPort: await freePort(),
      controllerPort: await freePort(),
      registryPort: await freePort(),
      registryStorage: 'mem',
      // the JVMs stop with this test run, even when it is killed (a CI time limit, kill -9)
      owner: process.pid,
      progress: consoleProgress((l) => process.stderr.write(`[test-infra] ${l}\n`)),
    });
    await stack.up();
    brokers = stack.kafkaAddress;
    registry = stack.registryUrl;
  }
  process.env.KAMF_TEST_KAFKA_BROKERS = brokers;
  process.env.KAMF_TEST_SCHEMA_REGISTRY_URL = registry;
  project.provide('kafkaBrokers', brokers);
  project.provide('schemaRegistryUrl', registry);
}

export async function teardown(): Promise<void> {
  if (!stack) return;
  await stack.down();
  stack.clean();
}
