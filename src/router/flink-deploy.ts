/**
 * Deploys a Flink SQL file through a SQL Gateway with Flink's own SQL Client (`SqlClient gateway -f file`): Flink's
 * parser decides where statements end (`EXECUTE STATEMENT SET`, `BEGIN STATEMENT SET; ... END;`, `CASE ... END`,
 * comments), KAMF splits nothing. Session settings (job name, restart budget, savepoint to restore) go in an
 * init file (`-i`), so the user's file reaches Flink unchanged but for its placeholders.
 *
 * Errors come back as Flink wrote them; KAMF only points them at the file: the SQL Client's history file lists the
 * statements it ran, as it split them, so the failing one is the last, and a `line L, column C` inside it maps to
 * the file's own line and column.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { KamfError } from '../core/errors.js';
import { flinkJavaCommand } from '../infra/flink.js';
import type { Progress } from '../infra/progress.js';

export interface DeployOptions {
  /** SQL Gateway REST URL. */
  gateway: string;
  /** The file's text with placeholders substituted. */
  sql: string;
  /** The file's name, for messages. */
  file: string;
  /** The Flink job name (`pipeline.name`). */
  jobName: string;
  /** Session settings before the file (`SET 'key' = 'value'`). */
  settings?: Record<string, string>;
  cacheDir: string;
  /** Where the init file, the substituted copy, the client's history and log go. */
  workDir: string;
  progress: Progress;
  javaHome?: string;
  log?: (line: string) => void;
}

export interface Deployment {
  /** Jobs the file submitted (one per INSERT or statement set), in file order. */
  jobIds: string[];
  /** The statements as Flink's SQL Client split them. */
  statements: string[];
  output: string;
}

/** Settings KAMF puts before every file: a job that keeps failing ends FAILED instead of restarting for ever. */
export const DEFAULT_SESSION_SETTINGS: Record<string, string> = {
  'sql-client.verbose': 'true',
  'restart-strategy.type': 'fixed-delay',
  'restart-strategy.fixed-delay.attempts': '2',
  'restart-strategy.fixed-delay.delay': '1 s',
  'execution.checkpointing.interval': '5 s',
  'execution.checkpointing.mode': 'AT_LEAST_ONCE',
};

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function deployFile(opts: DeployOptions): Promise<Deployment> {
  mkdirSync(opts.workDir, { recursive: true });
  const confDir = join(opts.workDir, 'client-conf');
  mkdirSync(confDir, { recursive: true });
  if (!existsSync(join(confDir, 'config.yaml'))) writeFileSync(join(confDir, 'config.yaml'), '# SQL Client of kamf route: everything comes from the gateway\n');
  const settings = { ...DEFAULT_SESSION_SETTINGS, 'pipeline.name': opts.jobName, ...opts.settings };
  const init = join(opts.workDir, 'init.sql');
  const initStatements = Object.entries(settings).map(([k, v]) => `SET ${quote(k)} = ${quote(v)};`);
  writeFileSync(init, initStatements.join('\n') + '\n');
  const script = join(opts.workDir, opts.file.replace(/[^A-Za-z0-9._-]/g, '_'));
  writeFileSync(script, opts.sql.endsWith('\n') ? opts.sql : `${opts.sql}\n`);
  const history = join(opts.workDir, 'history');
  writeFileSync(history, '');
  const endpoint = opts.gateway.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const cmd = await flinkJavaCommand(opts.cacheDir, 'org.apache.flink.table.client.SqlClient', {
    progress: opts.progress,
    ...(opts.javaHome ? { javaHome: opts.javaHome } : {}),
    logFile: join(opts.workDir, 'sql-client.log'),
    tmpDir: opts.workDir,
  });
  opts.log?.(`Flink SQL Client: ${opts.file} -> ${opts.gateway} as job ${opts.jobName}`);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(cmd.java, [...cmd.args, 'gateway', '--endpoint', endpoint, '--history', history, '-i', init, '-f', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLINK_CONF_DIR: confDir },
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (text += d.toString('utf8')));
    child.on('error', (err) => reject(new KamfError('ROUTER_FLINK_FAILED', `Could not run Flink's SQL Client: ${err.message}`, { cause: err })));
    child.on('close', () => resolve(text.replace(/\x1b\[[0-9;]*m/g, '')));
  });
  // the init file's statements come first in the history
  const all = readHistory(history);
  let first = 0;
  while (first < all.length && initStatements.includes(all[first]!)) first++;
  const ran = all.slice(first);
  const jobIds = [...output.matchAll(/Job ID: ([0-9a-f]{32})/g)].map((m) => m[1]!);
  const error = /\[ERROR\] ([^\n]*)\n?([\s\S]*?)(?:\nFlink SQL>|\nShutting down the session|$)/.exec(output);
  if (error || /Exception in thread "main"|Could not connect|Failed to open session/i.test(output)) {
    throw deployError(opts, output, error, ran);
  }
  if (jobIds.length === 0) {
    throw new KamfError('ROUTER_FLINK_FAILED', `${opts.file} submitted no job: it has no INSERT (or statement set) Flink would run.\n${output.slice(-1500)}`);
  }
  return { jobIds, statements: ran, output };
}

/** The statements Flink's SQL Client wrote to its history file (jline's format: `<time>:<text>`, newlines as \n). */
export function readHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\d+:/, ''))
    .map((l) => l.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c)));
}

/** Where a statement of the file starts (1-based line and column), searching from `from`; undefined if not found. */
export function locateStatement(text: string, statement: string, from = 0): { offset: number; line: number; column: number } | undefined {
  const at = text.indexOf(statement.trim().replace(/;$/, '').trimEnd(), from);
  if (at < 0) return undefined;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { offset: at, line, column: at - before.lastIndexOf('\n') };
}

function deployError(opts: DeployOptions, output: string, error: RegExpExecArray | null, ran: string[]): KamfError {
  const body = error ? `${error[1]}\n${error[2]}` : output.slice(-3000);
  // with sql-client.verbose the whole chain is printed: keep the messages, drop the stack frames
  const causes = [...body.matchAll(/(?:^|\n)(?:Caused by: )?([\w.$]+(?:Exception|Error)): ([^\n]*)/g)].map((m) => m[2]!.trim());
  const reason = causes.find((m) => /(at|From) line \d+, column \d+/.test(m)) ?? causes[causes.length - 1] ?? body.split('\n').find((l) => l.trim()) ?? 'unknown error';
  // locate the statements in order; the last one the client ran is the one that failed
  let cursor = 0;
  let where: { line: number; column: number } | undefined;
  for (const s of ran) {
    const at = locateStatement(opts.sql, s, cursor);
    where = at;
    if (at) cursor = at.offset + 1;
  }
  const failing = ran[ran.length - 1];
  let position = where ? `${opts.file}:${where.line}:${where.column}` : opts.file;
  const inner = /(?:at|From) line (\d+), column (\d+)/.exec(reason);
  if (where && inner) {
    const l = Number(inner[1]);
    const c = Number(inner[2]);
    position = `${opts.file}:${where.line + l - 1}:${l === 1 ? where.column + c - 1 : c}`;
  }
  const excerpt = failing ? failing.replace(/\s+/g, ' ').slice(0, 160) : '';
  return new KamfError('ROUTER_FLINK_FAILED', `${position}: Flink refused the statement: ${reason.slice(0, 1500)}${excerpt ? `\n  statement: ${excerpt}` : ''}`, {
    details: { file: opts.file, position, reason, statement: failing, output: output.slice(-4000) },
    hint: 'This is Flink\'s own message; the position is in your file.',
  });
}
