/** A taken port stops `up` before anything starts, naming the setting that moves that very port. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKamfError, type KamfError } from '../../../src/core/errors.js';
import { freePort } from '../../../src/infra/ports.js';
import { LocalStack, findStackProcesses } from '../../../src/infra/stack.js';
import { findJava } from '../../../src/infra/tools.js';

const hasJava = await findJava(17).then(
  () => true,
  () => false,
);
const runDir = mkdtempSync(join(tmpdir(), 'kamf-port-'));
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

async function blocked(): Promise<{ port: number; server: Server }> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { port: (server.address() as { port: number }).port, server };
}

async function upError(ports: { kafkaPort: number; controllerPort: number; registryPort: number }): Promise<KamfError> {
  const stack = new LocalStack({ cacheDir: join(runDir, 'cache'), runDir, ...ports, services: { kafka: true, registry: false } });
  const err = await stack.up().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKamfError(err, 'INFRA_PORT_IN_USE'), String(err)).toBe(true);
  expect(findStackProcesses(runDir)).toEqual([]);
  return err as KamfError;
}

describe.runIf(hasJava)('a taken port', () => {
  it('of the controller names KAMF_CONTROLLER_PORT', async () => {
    const b = await blocked();
    try {
      const err = await upError({ kafkaPort: await freePort(), controllerPort: b.port, registryPort: await freePort() });
      expect(err.message).toContain(`port ${b.port} on 127.0.0.1 is already in use`);
      expect(err.message).toContain('KAMF_CONTROLLER_PORT');
      expect(err.hint).toMatch(new RegExp(`Stop the process that listens on 127\\.0\\.0\\.1:${b.port}.*KAMF_CONTROLLER_PORT`));
      expect(err.details).toEqual({ service: 'kafka', port: b.port });
    } finally {
      b.server.close();
    }
  });

  it('of the broker names KAMF_KAFKA_PORT', async () => {
    const b = await blocked();
    try {
      const err = await upError({ kafkaPort: b.port, controllerPort: await freePort(), registryPort: await freePort() });
      expect(err.hint).toMatch(/KAMF_KAFKA_PORT to a free port/);
    } finally {
      b.server.close();
    }
  });
});
