/**
 * The official A2A TCK (a2aproject/a2a-tck) against the gateway, with the TCK agent living on Kafka: every
 * requirement the kit tests must pass over JSON-RPC, HTTP+JSON and gRPC, at MUST, SHOULD and MAY level, push
 * notifications included (configs and deliveries from Kafka, src/push). The kit's reports are kept under
 * test-artifacts/tck/.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, failedRequirements, findKit, kitPython, passesByTransport, runKit, summarize } from '../../scripts/tck-kit.js';
import { startTckSut, type TckSut } from '../../scripts/tck-sut.js';
import { testConfig } from '../support/infra.js';

let sut: TckSut | undefined;
afterAll(async () => {
  await sut?.stop();
});

it('passes every requirement the official TCK tests, over JSON-RPC, HTTP+JSON and gRPC', async () => {
  const log = (line: string) => process.stderr.write(`[tck] ${line}\n`);
  const kit = findKit();
  const python = await kitPython(kit, log);
  const suffix = randomUUID().slice(0, 8);
  sut = await startTckSut(testConfig(), { registryTopic: `agent.registry.tck${suffix}`, tasksTopic: `a2a.tasks.tck${suffix}` });
  const reportsDir = join(REPO_ROOT, 'test-artifacts', 'tck');
  const result = await runKit({ kit, python, sutUrl: sut.gateway.url, reportsDir });
  log(`levels: ${JSON.stringify(summarize(result.report))}; passes by transport: ${JSON.stringify(passesByTransport(result.report))}; reports in ${reportsDir}`);

  expect(failedRequirements(result.report)).toEqual([]);
  // push-config CRUD and delivery were tested, not skipped, on every transport
  const per = result.report.per_requirement as Record<string, { status: string; transports: Record<string, string> }>;
  for (const id of ['PUSH-CREATE-001', 'PUSH-GET-001', 'PUSH-LIST-001', 'PUSH-DEL-001', 'PUSH-DELIVER-001', 'PUSH-DELIVER-002', 'PUSH-DELIVER-003']) {
    expect({ id, ...per[id]?.transports }).toEqual({ id, jsonrpc: 'PASS', http_json: 'PASS', grpc: 'PASS' });
  }
  // the kit reached the agent over every binding the gateway declares
  const passes = passesByTransport(result.report);
  for (const transport of ['jsonrpc', 'http_json', 'grpc']) expect(passes[transport] ?? 0).toBeGreaterThan(20);
  // the kit's own pass/fail verdict (pytest exit code) agrees
  expect(result.exitCode).toBe(0);
}, 1_200_000);
