/**
 * `kamf route` on the embedded engine runs its router under a heap cap: the built CLI starts the command again in a
 * child process with `--max-old-space-size` (KAMF_ROUTER_MAX_HEAP_MB, default 256). Ctrl-C on the command stops
 * the router gracefully, and a parent killed outright leaves no router behind. Real broker and registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pkgPath } from '../../src/core/paths.js';
import { testEndpoints } from '../support/infra.js';
import { until } from '../support/webhook-receiver.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

/** Pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A process that exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function startRoute(env: Record<string, string> = {}): Promise<{ proc: ChildProcess; output: () => string; heapMb: number }> {
  const e = testEndpoints();
  const proc = spawn(process.execPath, [pkgPath('bin', 'kamf.js'), 'route', 'flink-sql/routing.sql', '--set', `KAMF_TOPIC_PREFIX=heap-${randomUUID().slice(0, 8)}.`], {
    cwd: pkgPath(),
    env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await until(() => out.includes('Press Ctrl-C') || proc.exitCode !== null, 60_000, 'the router to start');
  const heap = /heap limit (\d+) MB/.exec(out);
  if (!heap) throw new Error(`no heap limit in: ${out}`);
  return { proc, output: () => out, heapMb: Number(heap[1]) };
}

describe('kamf route heap cap', () => {
  it('routes in a child capped at KAMF_ROUTER_MAX_HEAP_MB, and Ctrl-C stops it gracefully', async () => {
    const { proc, output, heapMb } = await startRoute({ KAMF_ROUTER_MAX_HEAP_MB: '160' });
    // the old generation's cap plus the young generation; Node's own limit here is several GB
    expect(heapMb).toBeGreaterThanOrEqual(160);
    expect(heapMb).toBeLessThan(260);
    const kids = childrenOf(proc.pid!);
    expect(kids).toHaveLength(1);
    proc.kill('SIGINT');
    await until(() => proc.exitCode !== null, 30_000, 'kamf route to exit');
    expect(proc.exitCode).toBe(0);
    expect(output()).toContain('SIGINT: stopped');
    expect(alive(kids[0]!)).toBe(false);
  }, 90_000);

  it('leaves no router behind when the command is killed outright', async () => {
    const { proc } = await startRoute();
    const [router] = childrenOf(proc.pid!);
    expect(router).toBeDefined();
    proc.kill('SIGKILL');
    await until(() => !alive(router!), 30_000, 'the capped router to stop with its parent');
  }, 90_000);

  it('runs in the same process when the cap is off', async () => {
    const { proc, heapMb } = await startRoute({ KAMF_ROUTER_MAX_HEAP_MB: '0' });
    expect(heapMb).toBeGreaterThan(260);
    expect(childrenOf(proc.pid!)).toHaveLength(0);
    proc.kill('SIGINT');
    await until(() => proc.exitCode !== null, 30_000, 'kamf route to exit');
    expect(proc.exitCode).toBe(0);
  }, 90_000);
});
