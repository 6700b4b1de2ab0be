/**
 * One real Kafka broker and one real Apicurio registry per test run, on free ports with fresh data
 * directories, so a developer's running stack and CI never collide. Set KAMF_TEST_KAFKA_BROKERS and
 * KAMF_TEST_SCHEMA_REGISTRY_URL to run the suite against an existing cluster instead.
 */
import type { TestProject } from 'vitest/node';
import { LocalStack, consoleProgress } from '../../src/infra/index.js';
import { testStackOptions } from './stack-options.js';

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
    stack = new LocalStack({
      ...(await testStackOptions('kamf-test')),
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
