/**
 * A stack with an owner does not outlive it: a separate node process starts a LocalStack (its own free ports and run
 * directory) with `owner: process.pid` and is then killed with SIGKILL; both JVMs must be gone within 20 s.
 * (The orphan sweep for a watchdog that was itself killed is covered in test/unit/infra/owner.test.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pkgPath } from '../../src/core/paths.js';
import { findOrphans } from '../../src/infra/owner.js';
import { isAlive, readJson, stopProcess } from '../../src/infra/process.js';
import { findStackProcesses, type ServiceState } from '../../src/infra/stack.js';
import { testStackOptions } from '../support/stack-options.js';

const OWNER_SCRIPT = `
(async () => {
  const { LocalStack, consoleProgress } = await import(process.env.KAMF_INFRA_MODULE);
  const opts = JSON.parse(process.env.KAMF_OWNED_STACK);
  const stack = new LocalStack({ ...opts, owner: process.pid, progress: consoleProgress() });
  const status = await stack.up();
  process.stdout.write('UP ' + JSON.stringify(status.map((s) => s.pid)) + '\\n');
  setInterval(() => {}, 60_000);
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\\n');
  process.exit(1);
});
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(process.platform === 'linux')('a stack with an owner', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'kamf-owned-'));
  let owner: ChildProcess | undefined;

  afterAll(async () => {
    owner?.kill('SIGKILL');
    // whatever this test started and did not see go: stop it here, never anything else
    for (const pid of findStackProcesses(runDir)) await stopProcess(pid, 5000);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('stops its Kafka and registry JVMs when the owner is killed with SIGKILL', { timeout: 300_000 }, async () => {
    const opts = { ...(await testStackOptions('kamf-owned')), runDir, startTimeoutMs: 180_000 };
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', OWNER_SCRIPT], {
      env: {
        ...process.env,
        KAMF_INFRA_MODULE: pathToFileURL(pkgPath('src', 'infra', 'index.ts')).href,
        KAMF_OWNED_STACK: JSON.stringify(opts),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    owner = child;
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 240_000;
    while (!/^UP /m.test(out)) {
      if (child.exitCode !== null) throw new Error(`the owner exited during start:\n${out}`);
      if (Date.now() > deadline) throw new Error(`the stack did not come up:\n${out}`);
      await sleep(100);
    }

    const state = readJson<Record<'kafka' | 'registry', ServiceState>>(join(runDir, 'state.json'))!;
    const { kafka, registry } = state;
    expect(kafka.owner).toBe(child.pid);
    expect(registry.owner).toBe(child.pid);
    expect(findStackProcesses(runDir).sort()).toEqual([kafka.pid, registry.pid].sort());
    expect(isAlive(kafka.watchdog!)).toBe(true);
    expect(isAlive(registry.watchdog!)).toBe(true);

    const killedAt = Date.now();
    child.kill('SIGKILL');
    const gone: Record<string, number> = {};
    while (Date.now() - killedAt < 20_000 && Object.keys(gone).length < 2) {
      for (const [name, s] of Object.entries(state)) if (!(name in gone) && !isAlive(s.pid)) gone[name] = Date.now() - killedAt;
      await sleep(100);
    }
    console.log(
      `after SIGKILL to the owner: ${
        Object.entries(gone)
          .map(([n, ms]) => `${n} gone in ${ms} ms`)
          .join(', ') || 'nothing gone'
      }`,
    );
    expect(isAlive(kafka.pid), 'kafka outlived its owner by 20 s').toBe(false);
    expect(isAlive(registry.pid), 'the registry outlived its owner by 20 s').toBe(false);
    expect(findStackProcesses(runDir)).toEqual([]);
    // the watchdogs end once their services are gone, and nothing of this stack counts as an orphan
    while ((isAlive(kafka.watchdog!) || isAlive(registry.watchdog!)) && Date.now() - killedAt < 25_000) await sleep(100);
    expect(isAlive(kafka.watchdog!)).toBe(false);
    expect(isAlive(registry.watchdog!)).toBe(false);
    expect(findOrphans().filter((o) => o.runDir === runDir)).toEqual([]);
  });
});
