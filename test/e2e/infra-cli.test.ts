/**
 * `kamf infra up | status | down` as a user runs them: a separate stack on its own free ports and run directory,
 * sharing only the jar cache. Checks that `down` leaves no process behind.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findStackProcesses } from '../../src/infra/stack.js';
import { findOrphans } from '../../src/infra/owner.js';
import { freePort, isPortFree } from '../../src/infra/ports.js';
import { pkgPath } from '../../src/core/paths.js';

const run = promisify(execFile);
const bin = pkgPath('bin', 'kamf.js');

async function kamf(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kamf infra', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'kamf-cli-'));
  let env: NodeJS.ProcessEnv = {};
  afterAll(async () => {
    await kamf(['infra', 'down'], env);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('up, status, a second up that reuses, and down that leaves nothing running', async () => {
    const kafkaPort = await freePort();
    const registryPort = await freePort();
    env = {
      KAMF_RUN_DIR: runDir,
      KAMF_KAFKA_PORT: String(kafkaPort),
      KAMF_CONTROLLER_PORT: String(await freePort()),
      KAMF_REGISTRY_PORT: String(registryPort),
      KAMF_REGISTRY_STORAGE: 'mem',
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: '',
    };
    const up = await kamf(['infra', 'up'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/\[kafka\] ready/);
    expect(up.stderr).toMatch(/\[registry\] ready/);

    const status = await kamf(['infra', 'status', '--json'], env);
    expect(status.code).toBe(0);
    const services = JSON.parse(status.stdout) as Array<{ name: string; state: string; healthy: boolean; address: string; pid: number; owner?: number }>;
    expect(services.map((s) => [s.name, s.state, s.healthy])).toEqual([
      ['kafka', 'running', true],
      ['registry', 'running', true],
    ]);
    expect(services[0]!.address).toBe(`127.0.0.1:${kafkaPort}`);
    expect(findStackProcesses(runDir).sort()).toEqual(services.map((s) => s.pid).sort());
    // background mode: no owner, so the services outlive the command that started them and are never swept
    expect(services.map((s) => s.owner)).toEqual([undefined, undefined]);
    expect(findOrphans().map((o) => o.pid)).not.toContain(services[0]!.pid);

    const again = await kamf(['infra', 'up'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/\[kafka\] reuse: already running/);

    const logs = await kamf(['infra', 'logs', 'kafka', '-n', '5'], env);
    expect(logs.stdout.trim().length).toBeGreaterThan(0);

    const down = await kamf(['infra', 'down'], env);
    expect(down.code).toBe(0);
    expect(findStackProcesses(runDir)).toEqual([]);
    expect(await isPortFree(kafkaPort)).toBe(true);
    expect(await isPortFree(registryPort)).toBe(true);
    const after = await kamf(['infra', 'status', '--json'], env);
    expect(after.code).toBe(3); // not running is a non-zero status, for scripts
    expect((JSON.parse(after.stdout) as Array<{ state: string }>).map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });

  it('refuses a taken port with a clear message and starts nothing', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'kamf-cli-'));
    const res = await kamf(['infra', 'up'], {
      KAMF_RUN_DIR: dir,
      KAMF_KAFKA_PORT: String(port),
      KAMF_CONTROLLER_PORT: String(await freePort()),
      KAMF_REGISTRY_PORT: String(await freePort()),
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: '',
    });
    blocker.close();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(res.stderr).toContain('KAMF_KAFKA_PORT');
    expect(res.stderr).toContain('INFRA_PORT_IN_USE');
    expect(findStackProcesses(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
