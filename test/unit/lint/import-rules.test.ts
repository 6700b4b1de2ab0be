/**
 * The import rules that `npm run lint` enforces (.dependency-cruiser.cjs) catch what they claim: run on a fixture
 * tree with a cycle, a layer crossing and an application reaching past an entry point, they report exactly those.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pkgPath } from '../../../src/core/paths.js';

interface Cruise {
  summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> };
}

function cruise(cwd: string, ...paths: string[]): Cruise {
  const bin = pkgPath('node_modules', '.bin', 'depcruise');
  const args = [...paths, '--config', pkgPath('.dependency-cruiser.cjs'), '--output-type', 'json'];
  try {
    return JSON.parse(execFileSync(bin, args, { cwd, encoding: 'utf8' })) as Cruise;
  } catch (err) {
    // depcruise exits with the number of errors; its report is still on stdout
    return JSON.parse((err as { stdout: string }).stdout) as Cruise;
  }
}

describe('import rules', () => {
  it('report a cycle, a layer crossing and a deep import from an application', () => {
    const found = cruise(pkgPath('test', 'fixtures', 'layers'), 'src', 'agents')
      .summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)
      .sort();
    expect(found).toEqual([
      'applications-use-entry-points: agents/demo/main.ts -> src/binding/server.ts',
      'layer-core: src/core/config.ts -> src/binding/server.ts',
      'no-cycles: src/binding/server.ts -> src/core/config.ts',
    ]);
  });

  it('hold on the project itself', () => {
    const violations = cruise(pkgPath(), 'src', 'agents', 'mcp-servers', 'pipelines').summary.violations;
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });
});
