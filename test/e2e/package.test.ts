/**
 * KAMF as its users get it: `npm pack`, installed into an empty project with plain Node (no TypeScript loader),
 * every public entry point imported from JavaScript, a TypeScript consumer checked against the shipped types, the
 * CLI run through npx, and the guide docs/use-from-your-project.md run as written against the real broker.
 * Needs the build (`npm test` runs it first).
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pkgPath } from '../../src/core/paths.js';

const manifest = JSON.parse(readFileSync(pkgPath('package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const entryPoints = Object.keys(manifest.exports).filter((k) => k !== './package.json');

/** The code blocks of the guide marked ```js file=NAME / ```ts file=NAME, by file name. */
function guideFiles(): Map<string, string> {
  const text = readFileSync(pkgPath('docs', 'use-from-your-project.md'), 'utf8');
  const files = new Map<string, string>();
  for (const m of text.matchAll(/```(?:js|ts) file=(\S+)\n([\s\S]*?)```/g)) files.set(m[1]!, m[2]!);
  return files;
}

let dir: string;
const run = (cmd: string, args: string[], options: ExecFileSyncOptions = {}) =>
  execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000, ...options }) as string;

beforeAll(() => {
  if (!existsSync(pkgPath('dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'kamf-consumer-'));
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: pkgPath() })) as Array<{ filename: string }>;
  const tarball = join(dir, packed[0]!.filename);
  const app = join(dir, 'app');
  mkdirSync(app);
  dir = app;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const [name, code] of guideFiles()) writeFileSync(join(app, name), code);
  // the same versions KAMF is tested with; the npm cache from `npm ci` serves them
  const pin = (name: string) => `${name}@${(manifest.dependencies[name] ?? manifest.devDependencies[name])!.replace(/^\^/, '')}`;
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball, pin('@a2a-js/sdk'), pin('typescript'), pin('@types/node')]);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('the packed package, installed in an empty project', () => {
  it('ships built JavaScript, not TypeScript sources, and needs no loader at run time', () => {
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules', 'kamf', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(installed.dependencies).not.toHaveProperty('tsx');
    expect(existsSync(join(dir, 'node_modules', 'kamf', 'src'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'tsx'))).toBe(false);
  });

  it('imports every public entry point from plain JavaScript', () => {
    const script = `for (const e of ${JSON.stringify(entryPoints)}) {
      const m = await import(e === '.' ? 'kamf' : 'kamf' + e.slice(1));
      console.log(e, Object.keys(m).length);
    }`;
    const lines = run(process.execPath, ['--input-type=module', '-e', script]).trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(entryPoints);
    for (const line of lines) expect(Number(line.split(' ')[1]), line).toBeGreaterThan(0);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['typed.ts'] }),
    );
    expect(() => run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'])).not.toThrow();
    // and a wrong use is refused, so the check above can fail
    writeFileSync(join(dir, 'wrong.ts'), `import { KamfError } from 'kamf/core';\nexport const e = new KamfError('NO_SUCH_CODE', 'x');\n`);
    let output = '';
    try {
      run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--noEmit', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--skipLibCheck', 'wrong.ts']);
    } catch (err) {
      output = String((err as { stdout?: string }).stdout);
    }
    expect(output).toContain('NO_SUCH_CODE');
  });

  it('runs `npx kamf --help`, and plans a routing file with the bundled Flink grammar', () => {
    expect(run('npx', ['--no-install', 'kamf', '--help'])).toContain('Usage: kamf');
    const plan = run('npx', ['--no-install', 'kamf', 'route', '--dry-run', '--json', join(dir, 'node_modules', 'kamf', 'flink-sql', 'routing.sql')]);
    expect(JSON.parse(plan)).toHaveProperty('sinks');
  });

  it('runs the guide: an agent served and called over Kafka from the installed package', () => {
    const out = run(process.execPath, ['echo.mjs'], {
      env: { ...process.env, KAFKA_BROKERS: inject('kafkaBrokers'), SCHEMA_REGISTRY_URL: inject('schemaRegistryUrl'), AGENT_NAME: `pack-echo-${process.pid}` },
      timeout: 120_000,
    });
    expect(out.trim()).toBe('echo: hello over Kafka');
  }, 150_000);
});
