/**
 * The Flink engine: a routing file on Apache Flink 1.20, through a SQL Gateway. Never through the embedded planner:
 * the file goes to Flink's own SQL Client (flink-deploy.ts), so whatever Flink accepts runs, and Flink's errors come
 * back pointed at the file.
 *
 * - A routing job is named `kamf-route:<name>` (the file's base name unless given), so it can be listed, replaced
 *   (stop with savepoint, then start from that savepoint: the Kafka offsets carry over) and stopped.
 * - A deployed job is watched: a restart is logged, a job that runs out of its restart budget (set in the session,
 *   flink-deploy.ts) rejects `done` with Flink's root exception.
 * - Without a gateway, `kamf route --engine flink` starts a local session cluster (src/infra/flink-cluster.ts) that
 *   dies with the process.
 */
import { KamfError } from '../core/errors.js';
import type { Progress } from '../infra/progress.js';
import { deployFile } from './flink-deploy.js';
import { GatewaySession, type FlinkJob } from './flink-gateway.js';

export const JOB_PREFIX = 'kamf-route:';
const ACTIVE = new Set(['INITIALIZING', 'CREATED', 'RUNNING', 'RESTARTING', 'FAILING', 'CANCELLING', 'RECONCILING', 'SUSPENDED']);

export interface FlinkDeployOptions {
  gateway: string;
  /** Placeholders already substituted. */
  sql: string;
  file: string;
  /** Job name without the prefix. */
  name: string;
  /** Replace a running job of the same name (stop with savepoint, start from it). Without, such a job is an error. */
  replace?: boolean;
  /** More session settings (`SET`) before the file. */
  settings?: Record<string, string>;
  cacheDir: string;
  workDir: string;
  progress: Progress;
  javaHome?: string;
  log?: (line: string) => void;
}

export interface FlinkDeployment {
  jobName: string;
  jobIds: string[];
  /** The job it replaced, and the savepoint the new one started from. */
  replaced?: { jobId: string; savepoint?: string };
}

/** Deploys a routing file as job `kamf-route:<name>`. */
export async function deployRouting(opts: FlinkDeployOptions): Promise<FlinkDeployment> {
  const jobName = `${JOB_PREFIX}${opts.name}`;
  const session = await GatewaySession.open(opts.gateway);
  let replaced: FlinkDeployment['replaced'];
  const settings: Record<string, string> = { ...opts.settings };
  try {
    const running = (await session.jobs()).filter((j) => j.name === jobName && ACTIVE.has(j.status));
    if (running.length && !opts.replace) {
      throw new KamfError('ROUTER_FLINK_FAILED', `A routing job named ${jobName} is already ${running[0]!.status} on ${opts.gateway} (job ${running[0]!.id}).`, {
        hint: `Replace it with --replace (stop with savepoint, then start), stop it with \`kamf route stop ${opts.name} --gateway ${opts.gateway}\`, or pick another --name.`,
      });
    }
    for (const job of running) {
      opts.log?.(`stopping job ${job.id} (${jobName}) with a savepoint`);
      const savepoint = await session.stopJob(job.id, true);
      replaced = { jobId: job.id, ...(savepoint ? { savepoint } : {}) };
      if (savepoint) {
        settings['execution.savepoint.path'] = savepoint;
        // a changed file may drop operators: their state is not needed
        settings['execution.savepoint.ignore-unclaimed-state'] = 'true';
      }
    }
  } finally {
    await session.close();
  }
  const d = await deployFile({
    gateway: opts.gateway,
    sql: opts.sql,
    file: opts.file,
    jobName,
    settings,
    cacheDir: opts.cacheDir,
    workDir: opts.workDir,
    progress: opts.progress,
    ...(opts.javaHome ? { javaHome: opts.javaHome } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return { jobName, jobIds: d.jobIds, ...(replaced ? { replaced } : {}) };
}

/** KAMF's routing jobs on the cluster behind a gateway (all of Flink's jobs with `all`), newest first. */
export async function listRoutingJobs(gateway: string, all = false): Promise<FlinkJob[]> {
  const session = await GatewaySession.open(gateway);
  try {
    return (await session.jobs()).filter((j) => all || j.name.startsWith(JOB_PREFIX));
  } finally {
    await session.close();
  }
}

/** Stops the running routing job named `name` (or with that job id). Resolves with what was stopped. */
export async function stopRouting(gateway: string, nameOrId: string, opts: { savepoint?: boolean } = {}): Promise<Array<{ jobId: string; name: string; savepoint?: string }>> {
  const session = await GatewaySession.open(gateway);
  try {
    const jobs = (await session.jobs()).filter((j) => ACTIVE.has(j.status) && (j.id === nameOrId || j.name === `${JOB_PREFIX}${nameOrId}` || j.name === nameOrId));
    if (jobs.length === 0) {
      throw new KamfError('ROUTER_FLINK_FAILED', `No running routing job ${nameOrId} on ${gateway}.`, { hint: `List them with \`kamf route jobs --gateway ${gateway}\`.` });
    }
    const out: Array<{ jobId: string; name: string; savepoint?: string }> = [];
    for (const j of jobs) {
      const savepoint = await session.stopJob(j.id, opts.savepoint ?? false);
      out.push({ jobId: j.id, name: j.name, ...(savepoint ? { savepoint } : {}) });
    }
    return out;
  } finally {
    await session.close();
  }
}

/**
 * Follows jobs until they end: resolves when all FINISHED or were CANCELED, rejects when one FAILED, with Flink's
 * root exception (from the JobManager's REST API, whose address the gateway's session configuration names).
 */
export class FlinkJobWatch {
  readonly done: Promise<string>;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  /** Last status per job id. */
  readonly status = new Map<string, string>();

  constructor(
    private readonly gateway: string,
    private readonly jobIds: string[],
    private readonly opts: { pollMs?: number; log?: (line: string) => void } = {},
  ) {
    this.done = this.follow();
    this.done.catch(() => {});
  }

  private async follow(): Promise<string> {
    const session = await GatewaySession.open(this.gateway);
    const props = await session.properties().catch(() => ({}) as Record<string, string>);
    const rest = props['rest.address'] && props['rest.port'] ? `http://${props['rest.address']}:${props['rest.port']}` : undefined;
    /** Restarts seen per job: each was a failure, so a job that ends FAILED failed at least this many times plus one. */
    const restarts = new Map<string, number>();
    try {
      while (!this.stopped) {
        const jobs = await session.jobs().catch(() => undefined);
        for (const id of this.jobIds) {
          const j = jobs?.find((x) => x.id === id);
          if (!j) continue;
          const before = this.status.get(id);
          this.status.set(id, j.status);
          if (j.status !== before) this.opts.log?.(`job ${id} ${j.status}`);
          if (j.status === 'RESTARTING' && before !== 'RESTARTING') {
            restarts.set(id, (restarts.get(id) ?? 0) + 1);
            this.opts.log?.(`job ${id} is restarting (${restarts.get(id)}): ${(await rootException(rest, id)).cause}`);
          }
          if (j.status === 'FAILED') {
            // the exception history lags the status, entry by entry: read it until its count holds still, and never
            // count fewer failures than the restarts this watcher saw (a CI run read 2 entries of 3 as settled)
            let root = await rootException(rest, id);
            for (let n = 0, settled = 0; n < 20 && settled < 3; n++) {
              await new Promise((r) => setTimeout(r, 500));
              const next = await rootException(rest, id);
              settled = next.failures && next.failures === root.failures ? settled + 1 : 0;
              root = next;
            }
            const { cause } = root;
            const known = root.failures !== undefined || restarts.has(id);
            const failures = known ? Math.max(root.failures ?? 0, (restarts.get(id) ?? 0) + 1) : undefined;
            throw new KamfError('ROUTER_FLINK_FAILED', `Flink job ${id} (${j.name}) FAILED after its restart budget (${failures ?? '?'} failures): ${cause}`, {
              details: { jobId: id, cause, ...(failures !== undefined ? { failures } : {}) },
              hint: rest ? `Flink's exceptions: ${rest}/jobs/${id}/exceptions` : 'See the JobManager log of the cluster.',
            });
          }
        }
        const ended = this.jobIds.every((id) => ['FINISHED', 'CANCELED'].includes(this.status.get(id) ?? ''));
        if (ended) return [...this.status.values()].join(',');
        await new Promise<void>((r) => (this.timer = setTimeout(r, this.opts.pollMs ?? 1000)));
      }
      return 'stopped watching';
    } finally {
      await session.close();
    }
  }

  /** Stops following (the jobs keep running). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

/** The job's root exception (its last cause) and how often the job failed, if the JobManager's REST API answers. */
async function rootException(rest: string | undefined, jobId: string): Promise<{ cause: string; failures?: number }> {
  if (!rest) return { cause: '(the JobManager REST API is not known)' };
  try {
    const r = (await (await fetch(`${rest}/jobs/${jobId}/exceptions?maxExceptions=20`, { signal: AbortSignal.timeout(5000) })).json()) as {
      exceptionHistory?: { entries?: Array<{ stacktrace?: string }> };
      'root-exception'?: string;
    };
    const entries = r.exceptionHistory?.entries ?? [];
    const trace = entries[0]?.stacktrace ?? r['root-exception'] ?? '';
    const causes = [...trace.matchAll(/(?:^|\n)(?:Caused by: )?([\w.$]+): ([^\n]*)/g)];
    const last = causes[causes.length - 1];
    return { cause: last ? `${last[1]}: ${last[2]}` : trace.split('\n')[0] || '(no exception recorded yet)', failures: entries.length };
  } catch {
    return { cause: `(the JobManager REST API at ${rest} did not answer)` };
  }
}
