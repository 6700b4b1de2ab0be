/**
 * Services that die with their owner, without a JVM: small node processes stand in for the owner and the service
 * (carrying the same command-line markers), so the watchdog and the orphan sweep run for real in a second or two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findOrphans,
  ownerMarker,
  parseOwnerMarker,
  processRef,
  refAlive,
  scanStackProcesses,
  startWatchdog,
  stopOrphans,
} from '../../../src/infra/owner.js';
import { isAlive } from '../../../src/infra/process.js';
import { findStackProcesses } from '../../../src/infra/stack.js';

const linux = process.platform === 'linux';
const runDir = mkdtempSync(join(tmpdir(), 'kamf-owner-'));
const started: ChildProcess[] = [];

/** A process that idles until killed; `markers` go on its command line after `--`. */
function idler(markers: string[] = [], detached = false): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', ...markers], { stdio: 'ignore', detached });
  started.push(child);
  return child;
}

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

/** A pid that certainly belonged to a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

afterAll(() => {
  for (const c of started) {
    try {
      process.kill(c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(runDir, { recursive: true, force: true });
});

describe('owner refs and markers', () => {
  it('names a process by pid and start time, so a recycled pid is not mistaken for the owner', async () => {
    const self = processRef(process.pid);
    expect(refAlive(self)).toBe(true);
    if (linux) {
      expect(self.start).toMatch(/^\d+$/);
      expect(refAlive({ pid: process.pid, start: `${self.start}1` })).toBe(false);
    }
    expect(refAlive({ pid: await deadPid() })).toBe(false);
  });

  it('round-trips the owner marker', () => {
    expect(parseOwnerMarker(ownerMarker({ pid: 12, start: '345' }))).toEqual({ pid: 12, start: '345' });
    expect(parseOwnerMarker(ownerMarker({ pid: 12 }))).toEqual({ pid: 12 });
    expect(parseOwnerMarker('-Dkamf.run=/x')).toBeUndefined();
    expect(parseOwnerMarker('-Dkamf.owner=nope')).toBeUndefined();
  });
});

describe.runIf(linux)('watchdog', () => {
  it('stops the service (its whole process group) within seconds of a SIGKILL to the owner, then ends', async () => {
    const owner = idler();
    // a group leader with a child of its own, as a JVM may have
    const service = spawn('/bin/sh', ['-c', 'sleep 300 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    started.push(service);
    const grandchild = Number(await new Promise<string>((r) => service.stdout!.once('data', (d: Buffer) => r(d.toString()))));
    started.push({ pid: grandchild } as ChildProcess);
    const watchdog = startWatchdog(processRef(owner.pid!), service.pid!, 2)!;
    expect(isAlive(watchdog)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(service.pid!)).toBe(true);

    owner.kill('SIGKILL');
    const ms = await until(() => !isAlive(service.pid!) && !isAlive(grandchild), 5000);
    expect(ms).toBeLessThan(3000); // one poll (1 s) and a SIGTERM
    await until(() => !isAlive(watchdog), 3000);
  });

  it('ends by itself when the service stops normally, and leaves a living owner alone', async () => {
    const service = idler([], true);
    const watchdog = startWatchdog(processRef(process.pid), service.pid!, 2)!;
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(watchdog)).toBe(true);
    service.kill('SIGTERM');
    await until(() => !isAlive(watchdog), 3000);
    expect(isAlive(process.pid)).toBe(true);
  });
});

describe.runIf(linux)('orphan sweep', () => {
  it('finds services by run marker, and stops exactly those whose owner is gone', async () => {
    const gone = { pid: await deadPid(), start: '1' };
    const orphan = idler([`-Dkamf.run=${runDir}`, '-Dkamf.service=kafka', ownerMarker(gone)], true);
    const owned = idler([`-Dkamf.run=${runDir}`, '-Dkamf.service=registry', ownerMarker(processRef(process.pid))], true);
    const background = idler([`-Dkamf.run=${runDir}`, '-Dkamf.service=kafka'], true);
    await until(() => findStackProcesses(runDir).length === 3, 5000);

    const mine = scanStackProcesses().filter((p) => p.runDir === runDir);
    expect(mine.find((p) => p.pid === orphan.pid)).toMatchObject({ service: 'kafka', owner: gone });
    expect(findOrphans().map((o) => o.pid)).toContain(orphan.pid);
    expect(findOrphans().map((o) => o.pid)).not.toContain(owned.pid);
    expect(findOrphans().map((o) => o.pid)).not.toContain(background.pid);

    const events: string[] = [];
    const stopped = await stopOrphans((e) => events.push(e.message), 2000);
    expect(stopped).toContain(orphan.pid);
    expect(isAlive(orphan.pid!)).toBe(false);
    expect(isAlive(owned.pid!)).toBe(true);
    expect(isAlive(background.pid!)).toBe(true);
    expect(events.join('\n')).toContain(`owner (pid ${gone.pid}) is gone`);
  });
});
