/**
 * The CLI's error paths, fed one by one to the built `kamf`: each prints `error [CODE]: message` (and a hint where
 * one helps) and exits 1, never a stack trace unless --verbose asks for one.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pkgPath } from '../../src/core/paths.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function kamf(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KAFKA_BROKERS|SCHEMA_REGISTRY_URL|KAMF_)/.test(k)));
  const r = spawnSync(process.execPath, [pkgPath('bin', 'kamf.js'), ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000, cwd: pkgPath() });
  return { status: r.status, stderr: r.stderr };
}

const STACK_FRAME = /\n\s+at .+:\d+:\d+\)?/;

describe('kamf error output', () => {
  const cases: Array<[string, () => Promise<{ args: string[]; env?: Record<string, string> }>, string]> = [
    ['an unknown engine', async () => ({ args: ['route', '--engine', 'foo', 'flink-sql/routing.sql'] }), 'CLI_USAGE'],
    ['a malformed --set', async () => ({ args: ['route', '--dry-run', '--set', 'NOEQUALS', 'flink-sql/routing.sql'] }), 'CLI_USAGE'],
    ['a missing routing file', async () => ({ args: ['route', '--dry-run', 'no/such/file.sql'] }), 'FILE_NOT_FOUND'],
    ['a missing config file', async () => ({ args: ['-c', 'no-such-config.json', 'agents'] }), 'CONFIG_INVALID'],
    ['an unknown service', async () => ({ args: ['infra', 'logs', 'nonsense'] }), 'CLI_USAGE'],
    [
      'a broker that does not answer',
      async () => ({ args: ['agents'], env: { KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`, SCHEMA_REGISTRY_URL: `http://127.0.0.1:${await closedPort()}` } }),
      'KAFKA_ERROR',
    ],
    [
      'a registry that does not answer',
      async () => ({ args: ['schemas', 'list'], env: { KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`, SCHEMA_REGISTRY_URL: `http://127.0.0.1:${await closedPort()}` } }),
      'SCHEMA_REGISTRY_ERROR',
    ],
  ];

  it.each(cases)('%s: error [CODE] and no stack', async (_name, make, code) => {
    const { args, env } = await make();
    const { status, stderr } = kamf(args, env);
    expect(status).toBe(1);
    expect(stderr).toMatch(new RegExp(`^error \\[${code}\\]: \\S`, 'm'));
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toContain('"stack"');
  });

  it('--verbose adds the stack, so the check above can see one', () => {
    const { status, stderr } = kamf(['--verbose', 'route', '--dry-run', 'no/such/file.sql']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error \[FILE_NOT_FOUND\]/m);
    expect(stderr).toMatch(STACK_FRAME);
  });
});
