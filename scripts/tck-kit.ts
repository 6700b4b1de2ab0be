/**
 * The official A2A TCK (a2aproject/a2a-tck): find the kit, give it a Python venv with its dependencies (from PyPI,
 * once, cached under .infra/), run it against a URL from a scratch copy (it writes reports/ beside itself), and read
 * its compatibility report.
 *
 * The kit's console table counts requirements it has no test for as failures; the verdict here comes from
 * compatibility.json: a requirement fails when one of its tests failed on some transport.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A2A_TCK_DIR, else ../shared/a2a-tck beside the repository, else /work/shared/a2a-tck. */
export function findKit(): string {
  const candidates = [process.env.A2A_TCK_DIR, resolve(REPO_ROOT, '..', 'shared', 'a2a-tck'), '/work/shared/a2a-tck'].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(join(c, 'run_tck.py')));
  if (!found) {
    throw new Error(`the A2A TCK was not found (looked in ${candidates.join(', ')}); set A2A_TCK_DIR to a checkout of a2aproject/a2a-tck (branch 1.0-dev)`);
  }
  return found;
}

/** A venv with the kit's dependencies; created and filled from PyPI on first use. Returns its python. */
export async function kitPython(kit: string, log: (line: string) => void = () => {}): Promise<string> {
  const venv = process.env.A2A_TCK_VENV ?? join(REPO_ROOT, '.infra', 'a2a-tck-venv');
  const python = join(venv, 'bin', 'python');
  const ready = async () => run(python, ['-c', 'import pytest, pytest_html, grpc, httpx, gherkin, jsonschema, google.rpc, jinja2']).then(() => true, () => false);
  if (existsSync(python) && (await ready())) return python;
  log(`preparing the TCK's Python environment in ${venv} (pip, once)...`);
  const system = process.env.PYTHON ?? 'python3';
  await run(system, ['-m', 'venv', venv]);
  // install from a scratch copy: the kit's folder may be read-only, and pip builds in place
  const copy = scratchCopy(kit);
  try {
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', copy], { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    rmSync(dirname(copy), { recursive: true, force: true });
  }
  if (!(await ready())) throw new Error(`the TCK's dependencies did not install into ${venv}`);
  return python;
}

function scratchCopy(kit: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'a2a-tck-')), 'a2a-tck');
  cpSync(kit, dir, { recursive: true, filter: (src) => !/[/\\](\.venv|reports|__pycache__|\.pytest_cache)([/\\]|$)/.test(src) });
  return dir;
}

export interface KitRun {
  exitCode: number;
  /** Where the kit's reports were copied. */
  reportsDir: string;
  report: CompatibilityReport;
  output: string;
}

/** Runs the kit against `sutUrl` and copies its reports to `reportsDir`. */
export async function runKit(opts: { kit: string; python: string; sutUrl: string; reportsDir: string; transports?: string[]; extraArgs?: string[]; log?: (line: string) => void }): Promise<KitRun> {
  const work = scratchCopy(opts.kit);
  const args = ['run_tck.py', '--sut-host', opts.sutUrl, ...(opts.transports ? ['--transport', opts.transports.join(',')] : []), ...(opts.extraArgs ?? [])];
  let output = '';
  const exitCode = await new Promise<number>((resolveExit, reject) => {
    const child = spawn(opts.python, args, { cwd: work, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    const take = (b: Buffer) => {
      output += b.toString();
      for (const line of b.toString().split('\n')) if (line.trim()) opts.log?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolveExit(code ?? 1));
  });
  mkdirSync(opts.reportsDir, { recursive: true });
  cpSync(join(work, 'reports'), opts.reportsDir, { recursive: true });
  rmSync(dirname(work), { recursive: true, force: true });
  const report = JSON.parse(readFileSync(join(opts.reportsDir, 'compatibility.json'), 'utf8')) as CompatibilityReport;
  return { exitCode, reportsDir: opts.reportsDir, report, output };
}

export type CompatibilityReport = Record<string, unknown>;

interface RequirementResult {
  level: string;
  status: string;
  transports: Record<string, string>;
  errors: string[];
}

/** Requirements that failed on some transport (`status` FAIL in compatibility.json), minus the excused ones. */
export function failedRequirements(report: CompatibilityReport, excused: RegExp | undefined = undefined): Array<{ id: string; level: string; transports: Record<string, string>; error: string }> {
  const per = (report.per_requirement ?? {}) as Record<string, RequirementResult>;
  return Object.entries(per)
    .filter(([id, r]) => r.status === 'FAIL' && !(excused && excused.test(id)))
    .map(([id, r]) => ({ id, level: r.level, transports: r.transports, error: String(r.errors[0] ?? '').slice(0, 300) }));
}

/** Per requirement level: how many requirements passed, failed, were skipped or had no test. */
export function summarize(report: CompatibilityReport): Record<string, Record<string, number>> {
  const per = (report.per_requirement ?? {}) as Record<string, RequirementResult>;
  const out: Record<string, Record<string, number>> = {};
  for (const r of Object.values(per)) {
    const level = (out[r.level] ??= {});
    level[r.status] = (level[r.status] ?? 0) + 1;
  }
  return out;
}

/** Transports on which each requirement was tested and passed, counted. */
export function passesByTransport(report: CompatibilityReport): Record<string, number> {
  const per = (report.per_requirement ?? {}) as Record<string, RequirementResult>;
  const out: Record<string, number> = {};
  for (const r of Object.values(per)) for (const [t, s] of Object.entries(r.transports)) if (s === 'PASS') out[t] = (out[t] ?? 0) + 1;
  return out;
}
