/** Compile and run are separate modules: running a plan (engine.ts and what it imports) never loads the SQL
 * parser, which only the planner (sql.ts, sql/) needs. Checked on the source's static import graph. */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgPath } from '../../../src/core/paths.js';

const IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm;

/** Every module reachable from `entry` through relative imports, with the bare packages each one imports. */
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const packages: string[] = [];
    seen.set(file, packages);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (spec!.startsWith('.')) visit(join(dirname(file), spec!.replace(/\.js$/, '.ts')));
      else packages.push(spec!);
    }
  };
  visit(entry);
  return seen;
}

describe('router layering', () => {
  it('the embedded engine does not import the SQL parser or the planner', () => {
    const src = pkgPath('src');
    const graph = importGraph(join(src, 'router', 'engine.ts'));
    const modules = [...graph.keys()].map((f) => relative(src, f));
    expect(modules).toContain('router/engine/evaluate.ts');
    expect(modules.filter((m) => m === 'router/sql.ts' || m.startsWith('router/sql/'))).toEqual([]);
    const parserUsers = [...graph].filter(([, pkgs]) => pkgs.some((p) => p.startsWith('dt-sql-parser') || p.startsWith('antlr4'))).map(([f]) => relative(src, f));
    expect(parserUsers).toEqual([]);
  });

  it('the Flink engine never loads the embedded planner nor the grammar: Flink parses the file', () => {
    const src = pkgPath('src');
    const graph = importGraph(join(src, 'router', 'flink-engine.ts'));
    const modules = [...graph.keys()].map((f) => relative(src, f));
    expect(modules).toContain('router/flink-deploy.ts');
    expect(modules.filter((m) => m === 'router/sql.ts' || m.startsWith('router/sql/') || m === 'router/flink-grammar.ts' || m === 'router/expr.ts')).toEqual([]);
    expect([...graph.values()].flat().filter((p) => p.startsWith('dt-sql-parser') || p.startsWith('antlr4'))).toEqual([]);
  });

  it('the planner is where the parser is', () => {
    const graph = importGraph(pkgPath('src', 'router', 'sql.ts'));
    expect([...graph.values()].flat().some((p) => p.startsWith('dt-sql-parser'))).toBe(true);
  });
});
