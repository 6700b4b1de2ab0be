/**
 * A local Apache Flink 1.20 session cluster from Maven Central jars (src/infra/flink.ts), started the way the
 * local stack starts Kafka (src/infra/stack.ts): JobManager (StandaloneSessionClusterEntrypoint), one TaskManager
 * (TaskManagerRunner) and the SQL Gateway, each a detached JVM with its own log, marked on its command line with
 * `-Dkamf.run=<runDir>` (and `-Dkamf.owner=` when owned), so that with an `owner` they stop when the owner ends,
 * however it ends (src/infra/owner.ts).
 *
 * There is no flink-dist on Maven Central, hence no bin/ scripts: the JVM flags and `-D` options the scripts would
 * compute from Flink's memory model come from Flink's own `BashJavaUtils`, as `bin/taskmanager.sh` does.
 * Jobs fail after a bounded number of restarts (`restart-strategy` fixed-delay), so a broken job ends FAILED and
 * is reported, instead of restarting for ever.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { KamfError } from '../core/errors.js';
import { pkgPath } from '../core/paths.js';
import { ensureFlinkLibs, flinkJvmOptions } from './flink.js';
import { ownerMarker, processRef, startWatchdog, type ProcessRef } from './owner.js';
import { freePort } from './ports.js';
import { isAlive, spawnService, stopProcess, tailFile, type Spawned } from './process.js';
import { silent, type Progress } from './progress.js';
import { findJava } from './tools.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type FlinkService = 'jobmanager' | 'taskmanager' | 'sql-gateway';

export interface FlinkClusterOptions {
  /** Download cache (the jars); shared by every cluster of this checkout. */
  cacheDir: string;
  /** Configuration, logs, savepoints and temporary files of this cluster. */
  runDir: string;
  host?: string;
  /** JobManager REST port (default: a free port). */
  restPort?: number;
  /** SQL Gateway REST port (default: a free port). */
  gatewayPort?: number;
  /** Task slots of the one TaskManager (default 4: a routing job, a batch job and room to replace a job). */
  slots?: number;
  /** Restarts a failing job gets before it is FAILED (default 2, one second apart). */
  restartAttempts?: number;
  /** More Flink configuration, flat keys (`execution.checkpointing.interval: 2 s`). */
  conf?: Record<string, string>;
  javaHome?: string;
  /** Pid of the process the cluster dies with (usually `process.pid`). Unset: it runs until `stop()`. */
  owner?: number;
  progress?: Progress;
  startTimeoutMs?: number;
}

/** A running (or stopped) local session cluster. */
export class FlinkCluster {
  readonly host: string;
  readonly runDir: string;
  restPort = 0;
  gatewayPort = 0;
  private readonly procs = new Map<FlinkService, Spawned>();
  private readonly owner: ProcessRef | undefined;
  private readonly progress: Progress;
  private libs = '';
  private java = '';

  constructor(private readonly opts: FlinkClusterOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.runDir = resolve(opts.runDir);
    this.owner = opts.owner === undefined ? undefined : processRef(opts.owner);
    this.progress = opts.progress ?? silent;
  }

  /** The JobManager's REST API (jobs, exceptions, the web UI). */
  get restUrl(): string {
    return `http://${this.host}:${this.restPort}`;
  }

  /** The SQL Gateway's REST API: what `kamf route --engine flink --gateway` takes. */
  get gatewayUrl(): string {
    return `http://${this.host}:${this.gatewayPort}`;
  }

  get confDir(): string {
    return join(this.runDir, 'conf');
  }

  get pids(): Partial<Record<FlinkService, number>> {
    return Object.fromEntries([...this.procs].map(([k, v]) => [k, v.pid]));
  }

  logFile(service: FlinkService | 'sql-client'): string {
    return join(this.runDir, 'logs', `${service}.log`);
  }

  /** Fetches the jars on first use, then starts JobManager, TaskManager and SQL Gateway; resolves when all answer. */
  async start(): Promise<this> {
    const t0 = Date.now();
    this.java = (await findJava(17, this.opts.javaHome)).bin;
    this.libs = await ensureFlinkLibs(this.opts.cacheDir, this.progress);
    for (const d of ['conf', 'logs', 'tmp', 'savepoints', 'checkpoints']) mkdirSync(join(this.runDir, d), { recursive: true });
    this.restPort = this.opts.restPort ?? (await freePort(this.host));
    this.gatewayPort = this.opts.gatewayPort ?? (await freePort(this.host));
    this.writeConfig([await freePort(this.host), await freePort(this.host), await freePort(this.host), await freePort(this.host)]);
    try {
      const jm = await this.resourceParams('GET_JM_RESOURCE_PARAMS');
      await this.launch('jobmanager', [...jm.jvm, 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint', '--configDir', this.confDir, '--executionMode', 'cluster', ...jm.dynamic], () => this.answers('/config'));
      const tm = await this.resourceParams('GET_TM_RESOURCE_PARAMS');
      await this.launch('taskmanager', ['-XX:+UseSerialGC', ...tm.jvm, 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner', '--configDir', this.confDir, ...tm.dynamic], async () => {
        const o = (await this.getJson(`${this.restUrl}/overview`)) as { taskmanagers?: number } | undefined;
        return (o?.taskmanagers ?? 0) >= 1;
      });
      await this.launch('sql-gateway', ['-Xmx384m', '-XX:+UseSerialGC', 'org.apache.flink.table.gateway.SqlGateway'], async () => (await this.getJson(`${this.gatewayUrl}/v1/info`)) !== undefined, {
        FLINK_CONF_DIR: this.confDir,
      });
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.progress({ service: 'flink', phase: 'ready', message: `session cluster ${this.restUrl}, SQL Gateway ${this.gatewayUrl} (${((Date.now() - t0) / 1000).toFixed(1)} s)` });
    return this;
  }

  /** Stops the SQL Gateway, the TaskManager and the JobManager (in that order). */
  async stop(): Promise<void> {
    for (const name of ['sql-gateway', 'taskmanager', 'jobmanager'] as const) {
      const p = this.procs.get(name);
      if (!p) continue;
      await stopProcess(p.pid, 10_000);
      this.procs.delete(name);
    }
  }

  private writeConfig([rpc, blob, tmRpc, tmData]: number[]): void {
    const h = this.host;
    const conf: Record<string, string | number> = {
      'jobmanager.rpc.address': h,
      'jobmanager.rpc.port': rpc!,
      'jobmanager.bind-host': h,
      'jobmanager.memory.process.size': '900m',
      'jobmanager.execution.failover-strategy': 'region',
      'taskmanager.host': h,
      'taskmanager.bind-host': h,
      'taskmanager.rpc.port': tmRpc!,
      'taskmanager.data.port': tmData!,
      'taskmanager.numberOfTaskSlots': this.opts.slots ?? 4,
      'taskmanager.memory.process.size': '1600m',
      'blob.server.port': blob!,
      'rest.address': h,
      'rest.bind-address': h,
      'rest.port': this.restPort,
      'sql-gateway.endpoint.rest.address': h,
      'sql-gateway.endpoint.rest.bind-address': h,
      'sql-gateway.endpoint.rest.port': this.gatewayPort,
      'execution.target': 'remote',
      'parallelism.default': 1,
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': this.opts.restartAttempts ?? 2,
      'restart-strategy.fixed-delay.delay': '1 s',
      'state.savepoints.dir': `file://${join(this.runDir, 'savepoints')}`,
      'state.checkpoints.dir': `file://${join(this.runDir, 'checkpoints')}`,
      'execution.checkpointing.interval': '5 s',
      'execution.checkpointing.mode': 'AT_LEAST_ONCE',
      'execution.buffer-timeout.interval': '5 ms',
      'io.tmp.dirs': join(this.runDir, 'tmp'),
      'web.tmpdir': join(this.runDir, 'tmp', 'web'),
      ...this.opts.conf,
    };
    const yaml = Object.entries(conf)
      .map(([k, v]) => `${k}: ${JSON.stringify(String(v))}`)
      .join('\n');
    writeFileSync(join(this.confDir, 'config.yaml'), `# written by KAMF (src/infra/flink-cluster.ts)\n${yaml}\n`);
  }

  /** Flink's memory model as JVM flags and `-D` options, from Flink's BashJavaUtils (what bin/*.sh would do). */
  private async resourceParams(which: 'GET_JM_RESOURCE_PARAMS' | 'GET_TM_RESOURCE_PARAMS'): Promise<{ jvm: string[]; dynamic: string[] }> {
    const { stdout } = await run(this.java, ['-cp', join(this.libs, '*'), 'org.apache.flink.runtime.util.bash.BashJavaUtils', which, '--configDir', this.confDir], { maxBuffer: 1 << 22 }).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new KamfError('INFRA_START_FAILED', `Flink could not compute its memory settings (${which}): ${(err.stderr ?? err.message).slice(-2000)}`, { cause: err });
    });
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
      .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
    if (lines.length < 2) throw new KamfError('INFRA_START_FAILED', `Flink's BashJavaUtils ${which} printed no result:\n${stdout.slice(-2000)}`);
    const dynamic = lines[1]!.split(/\s+/).filter((x) => x && x !== '-D').map((kv) => `-D${kv}`);
    return { jvm: lines[0]!.split(/\s+/).filter(Boolean), dynamic };
  }

  private logProps(name: string): string[] {
    return [`-Dlog.file=${this.logFile(name as FlinkService)}`, `-Dlog4j.configurationFile=${pkgPath('infra', 'flink', 'log4j2.properties')}`];
  }

  private async launch(name: FlinkService, args: string[], ready: () => Promise<boolean>, env: Record<string, string> = {}): Promise<void> {
    const logFile = this.logFile(name);
    const markers = [`-Dkamf.run=${this.runDir}`, `-Dkamf.service=flink-${name}`, ...(this.owner ? [ownerMarker(this.owner)] : [])];
    const full = [...markers, ...flinkJvmOptions(), ...this.logProps(name), `-Djava.io.tmpdir=${join(this.runDir, 'tmp')}`, '-cp', join(this.libs, '*'), ...args];
    // the main class sits among args: JVM flags before it, program arguments after it (both already in order)
    this.progress({ service: 'flink', phase: 'start', message: `starting the ${name} (log: ${logFile})` });
    const spawned = spawnService(this.java, full, { cwd: this.runDir, logFile: `${logFile}.out`, env: { ...process.env, ...env } });
    this.procs.set(name, spawned);
    if (this.owner) startWatchdog(this.owner, spawned.pid);
    let exit: number | null | undefined;
    void spawned.exited.then((c) => (exit = c));
    const t0 = Date.now();
    const timeout = this.opts.startTimeoutMs ?? 120_000;
    for (;;) {
      if (exit !== undefined || !isAlive(spawned.pid)) {
        throw new KamfError('INFRA_START_FAILED', `The Flink ${name} exited during startup (code ${exit ?? '?'}). Last lines of ${logFile}:\n${tailFile(logFile, 20)}\n${tailFile(`${logFile}.out`, 10)}`, {
          details: { service: name, logFile },
        });
      }
      if (await ready().catch(() => false)) break;
      if (Date.now() - t0 > timeout) {
        throw new KamfError('INFRA_START_FAILED', `The Flink ${name} did not answer within ${timeout} ms. Last lines of ${logFile}:\n${tailFile(logFile, 20)}`, { details: { service: name, logFile } });
      }
      await sleep(250);
    }
    this.progress({ service: 'flink', phase: 'ready', message: `${name} (pid ${spawned.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s)` });
  }

  private async answers(path: string): Promise<boolean> {
    return (await this.getJson(`${this.restUrl}${path}`)) !== undefined;
  }

  private async getJson(url: string): Promise<unknown> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return res.ok ? await res.json() : undefined;
    } catch {
      return undefined;
    }
  }
}
