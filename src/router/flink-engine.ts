/**
 * The Flink engine: the same routing file on Apache Flink 1.20.
 *
 * - Local: KAMF's launcher (flink-sql/launcher) in one JVM with a MiniCluster, from Maven Central jars
 *   (src/infra/flink.ts). Several files run as several jobs of that one JVM, so a test pays for one start.
 * - Cluster: through the Flink SQL Gateway's REST API (`--gateway http://host:8083`): one session, each statement
 *   submitted in order and polled until it finishes; the INSERTs (one EXECUTE STATEMENT SET) become one job.
 *
 * Placeholders are substituted in the text before Flink sees it (single quotes doubled).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KamfError } from '../core/errors.js';
import { ensureFlinkRuntime } from '../infra/flink.js';
import { stopProcess, tailFile } from '../infra/process.js';
import { silent, type Progress } from '../infra/progress.js';
import { FlinkSQL } from './flink-grammar.js';

export interface FlinkSqlFile {
  /** A name for logs and the job (`kamf:<name>`). */
  name: string;
  /** SQL with placeholders already substituted. */
  sql: string;
}

export interface LocalFlinkOptions {
  files: FlinkSqlFile[];
  cacheDir: string;
  /** Where the substituted SQL files and the JVM's log go. */
  runDir: string;
  javaHome?: string;
  /** Extra Flink configuration (`-Dkey=value` for the launcher), e.g. { 'parallelism.default': '2' }. */
  flinkConf?: Record<string, string>;
  /** Replaces -Xmx from infra/flink/jvm.options. */
  heap?: string;
  progress?: Progress;
  /** How long to wait for every job to be submitted. Default 180 s. */
  startTimeoutMs?: number;
}

/** A running local Flink JVM with one job per file. */
export class LocalFlink {
  readonly jobs = new Map<string, string>();
  readonly logFile: string;
  private child?: ChildProcess;
  private exitCode: number | null | undefined;
  private readonly errors: string[] = [];
  private readonly exited: Promise<number | null>;
  private resolveExit!: (code: number | null) => void;
  startedMs = 0;

  constructor(private readonly opts: LocalFlinkOptions) {
    this.logFile = join(resolve(opts.runDir), 'flink.log');
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Fetches/compiles on first use, starts the JVM, resolves when every file's job is submitted. */
  async start(): Promise<void> {
    const t0 = Date.now();
    const progress = this.opts.progress ?? silent;
    const rt = await ensureFlinkRuntime(this.opts.cacheDir, progress, this.opts.javaHome);
    const dir = resolve(this.opts.runDir);
    mkdirSync(dir, { recursive: true });
    const paths = this.opts.files.map((f, i) => {
      const p = join(dir, `${String(i + 1).padStart(2, '0')}-${f.name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      writeFileSync(p, f.sql);
      return p;
    });
    const jvm = rt.jvmOptions.map((o) => (this.opts.heap && o.startsWith('-Xmx') ? `-Xmx${this.opts.heap}` : o));
    const conf = Object.entries(this.opts.flinkConf ?? {}).map(([k, v]) => `-D${k}=${v}`);
    const args = [...jvm, `-Dlog4j2.configurationFile=${rt.log4jConfig}`, `-Dkamf.run=${dir}`, '-cp', rt.classpath, 'KamfFlinkLauncher', ...conf, ...paths];
    writeFileSync(this.logFile, '');
    const fd = openSync(this.logFile, 'a'); // append mode: launcher lines are appended to the same file
    progress({ service: 'flink', phase: 'start', message: `starting a local Flink ${paths.length > 1 ? `with ${paths.length} jobs ` : ''}(log: ${this.logFile})` });
    const child = spawn(rt.java, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', fd] });
    closeSync(fd);
    this.child = child;
    child.once('exit', (code) => {
      this.exitCode = code;
      this.resolveExit(code);
    });
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    });
    const timeout = this.opts.startTimeoutMs ?? 180_000;
    while (this.jobs.size < paths.length) {
      if (this.exitCode !== undefined) {
        throw new KamfError('ROUTER_FLINK_FAILED', `Flink exited during start (code ${this.exitCode}).\n${this.errors.join('\n')}\nLast lines of ${this.logFile}:\n${tailFile(this.logFile, 25)}`, {
          details: { logFile: this.logFile, errors: this.errors },
        });
      }
      if (Date.now() - t0 > timeout) {
        await this.stop();
        throw new KamfError('ROUTER_FLINK_FAILED', `Flink did not submit its jobs within ${timeout} ms. Last lines of ${this.logFile}:\n${tailFile(this.logFile, 25)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.startedMs = Date.now() - t0;
    progress({ service: 'flink', phase: 'ready', message: `${[...this.jobs].map(([f, id]) => `${f}: job ${id}`).join(', ')} (pid ${child.pid}, ${(this.startedMs / 1000).toFixed(1)} s)` });
  }

  private onLine(line: string): void {
    const fd = openSync(this.logFile, 'a');
    try {
      writeSync(fd, `[launcher] ${line}\n`);
    } finally {
      closeSync(fd);
    }
    const job = /^KAMF-FLINK-JOB (\S+) (\S+)/.exec(line);
    if (job) this.jobs.set(job[1]!, job[2]!);
    if (line.startsWith('KAMF-FLINK-ERROR ')) this.errors.push(line.slice('KAMF-FLINK-ERROR '.length));
  }

  /** Resolves with the exit code when the JVM ends (a job failure ends it with code 3). */
  get done(): Promise<number | null> {
    return this.exited;
  }

  get failures(): readonly string[] {
    return this.errors;
  }

  async stop(): Promise<void> {
    if (this.child?.pid && this.exitCode === undefined) await stopProcess(this.child.pid, 10_000);
  }
}

// ---- SQL Gateway --------------------------------------------------------------------------------------------

/** Statements of a file as Flink's SQL client would send them (an EXECUTE STATEMENT SET block is one). */
export function splitStatements(sql: string): string[] {
  const slices = new FlinkSQL().splitSQLByStatement(sql);
  if (!slices) throw new KamfError('ROUTER_SQL_SYNTAX', 'The SQL file does not parse, so it cannot be split into statements');
  return slices.map((s) => s.text.trim().replace(/;\s*$/, '')).filter(Boolean);
}

export interface GatewayOptions {
  url: string;
  sql: string;
  /** Session properties, e.g. { 'execution.buffer-timeout': '10 ms' }. */
  properties?: Record<string, string>;
  pollMs?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  fetchImpl?: typeof fetch;
}

export interface GatewaySubmission {
  sessionHandle: string;
  /** Job ids reported by INSERT / statement-set operations. */
  jobIds: string[];
}

/** Submits every statement through the SQL Gateway REST API (v1) and returns the session and job ids. */
export async function submitToGateway(opts: GatewayOptions): Promise<GatewaySubmission> {
  const base = opts.url.replace(/\/+$/, '');
  const f = opts.fetchImpl ?? fetch;
  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    let res: Response;
    try {
      res = await f(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new KamfError('ROUTER_GATEWAY_ERROR', `Flink SQL Gateway at ${base} is not reachable: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!res.ok) {
      const errors = (json.errors as string[] | undefined)?.join('\n') ?? text;
      throw new KamfError('ROUTER_GATEWAY_ERROR', `SQL Gateway ${method} ${path}: HTTP ${res.status}\n${errors.slice(0, 4000)}`, { details: { status: res.status } });
    }
    return json;
  };
  const session = await call('POST', '/v1/sessions', { sessionName: 'kamf-route', properties: opts.properties ?? {} });
  const sessionHandle = String(session.sessionHandle);
  opts.log?.(`gateway session ${sessionHandle}`);
  const jobIds: string[] = [];
  for (const statement of splitStatements(opts.sql)) {
    const head = statement.replace(/\s+/g, ' ').slice(0, 70);
    const op = await call('POST', `/v1/sessions/${sessionHandle}/statements`, { statement });
    const opHandle = String(op.operationHandle);
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const st = await call('GET', `/v1/sessions/${sessionHandle}/operations/${opHandle}/status`);
      const status = String(st.status);
      if (status === 'FINISHED') break;
      if (status === 'ERROR' || status === 'CANCELED' || status === 'CLOSED' || status === 'TIMEOUT') {
        // the result endpoint carries the error text
        const detail = await call('GET', `/v1/sessions/${sessionHandle}/operations/${opHandle}/result/0`).catch((e: Error) => ({ error: e.message }));
        throw new KamfError('ROUTER_GATEWAY_ERROR', `Statement failed on the SQL Gateway (${status}): ${head}\n${JSON.stringify(detail).slice(0, 4000)}`);
      }
      if (Date.now() > deadline) throw new KamfError('ROUTER_GATEWAY_ERROR', `Statement still ${status} after ${opts.timeoutMs ?? 120_000} ms: ${head}`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 300));
    }
    const result = await call('GET', `/v1/sessions/${sessionHandle}/operations/${opHandle}/result/0`).catch(() => ({}) as Record<string, unknown>);
    const jobId = (result as { jobID?: string }).jobID ?? findJobId(result);
    if (jobId) jobIds.push(jobId);
    opts.log?.(`gateway: ${head}${jobId ? ` -> job ${jobId}` : ''}`);
  }
  return { sessionHandle, jobIds };
}

function findJobId(result: unknown): string | undefined {
  const data = (result as { results?: { data?: Array<{ fields?: unknown[] }> } }).results?.data;
  const first = data?.[0]?.fields?.[0];
  return typeof first === 'string' && /^[0-9a-f]{32}$/.test(first) ? first : undefined;
}
