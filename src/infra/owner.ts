/**
 * Services that die with the process that owns them.
 *
 * A stack started by a process that owns it (the test run's global setup, `kamf start`) must not outlive that
 * process, even when it is killed with SIGKILL. Java has no parent-death signal, so each owned service gets a
 * watchdog: a detached POSIX shell loop that checks the owner once a second and, once the owner is gone, stops
 * the service's process group (SIGTERM, then SIGKILL after a grace period). The loop ends by itself as soon as
 * the service is gone, whoever stopped it.
 *
 * Belt and braces for a watchdog that was itself killed: owned services carry `-Dkamf.owner=<pid>:<start>` on
 * their command line, and every `LocalStack.up()` first stops the services whose owner is gone ({@link stopOrphans}).
 * The owner is identified by pid and start time, so a recycled pid does not keep an orphan alive.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAlive, procStat, stopProcess } from './process.js';
import { silent, type Progress } from './progress.js';

/** A process identified across pid reuse: its pid and, on Linux, its start time (clock ticks after boot). */
export interface ProcessRef {
  pid: number;
  start?: string;
}

/** The start time of a process (field 22 of /proc/<pid>/stat); undefined where there is no /proc. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

export function processRef(pid: number): ProcessRef {
  const start = processStartTime(pid);
  return start === undefined ? { pid } : { pid, start };
}

/** True while the very process `ref` names is running (not a zombie, not a newer process that got its pid). */
export function refAlive(ref: ProcessRef): boolean {
  if (!isAlive(ref.pid)) return false;
  if (ref.start === undefined) return true;
  const start = processStartTime(ref.pid);
  // no /proc entry although the pid answers: cannot tell, so assume it is the same process
  return start === undefined || start === ref.start;
}

const OWNER_PREFIX = '-Dkamf.owner=';
const RUN_PREFIX = '-Dkamf.run=';

/** The command-line marker of a service owned by `owner`. */
export function ownerMarker(owner: ProcessRef): string {
  return `${OWNER_PREFIX}${owner.pid}:${owner.start ?? ''}`;
}

export function parseOwnerMarker(arg: string): ProcessRef | undefined {
  if (!arg.startsWith(OWNER_PREFIX)) return undefined;
  const m = /^(\d+):(\d*)$/.exec(arg.slice(OWNER_PREFIX.length));
  if (!m) return undefined;
  return m[2] ? { pid: Number(m[1]), start: m[2] } : { pid: Number(m[1]) };
}

/** A process of some local stack, found by its `-Dkamf.run=<runDir>` marker. */
export interface StackProcess {
  pid: number;
  runDir: string;
  service?: string;
  owner?: ProcessRef;
}

/** Linux: every process of every local stack on this machine (by command-line marker). Elsewhere: none. */
export function scanStackProcesses(): StackProcess[] {
  if (!existsSync('/proc')) return [];
  const out: StackProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // ended while we looked
    }
    const run = args.find((a) => a.startsWith(RUN_PREFIX));
    if (!run) continue;
    const service = args.find((a) => a.startsWith('-Dkamf.service='))?.slice('-Dkamf.service='.length);
    const owner = args.map(parseOwnerMarker).find((o) => o !== undefined);
    out.push({ pid: Number(entry), runDir: run.slice(RUN_PREFIX.length), ...(service ? { service } : {}), ...(owner ? { owner } : {}) });
  }
  return out;
}

/** Services that were started with an owner that is gone: left behind by a killed test run or `kamf start`. */
export function findOrphans(): StackProcess[] {
  return scanStackProcesses().filter((p) => p.owner !== undefined && !refAlive(p.owner));
}

/** Stops every orphan (SIGTERM to its process group, SIGKILL after `graceMs`). Resolves with the pids it stopped. */
export async function stopOrphans(progress: Progress = silent, graceMs = 10_000): Promise<number[]> {
  const orphans = findOrphans();
  await Promise.all(
    orphans.map(async (o) => {
      progress({
        service: o.service ?? 'stack',
        phase: 'stop',
        message: `stopping pid ${o.pid} of ${o.runDir}: its owner (pid ${o.owner!.pid}) is gone`,
      });
      await stopProcess(o.pid, graceMs);
    }),
  );
  return orphans.map((o) => o.pid);
}

/**
 * The watchdog, as a POSIX shell script: $1 owner pid, $2 owner start time (may be empty), $3 service pid (the
 * leader of its process group), $4 grace seconds. Only shell builtins run in the loop, besides `sleep 1`.
 */
const WATCHDOG_SCRIPT = `
owner=$1 start=$2 svc=$3 grace=$4
owner_alive() {
  if [ -r "/proc/$owner/stat" ]; then
    read -r stat < "/proc/$owner/stat" || return 1
    rest=\${stat##*) }
    set -- $rest
    [ "$1" != Z ] || return 1
    [ -z "$start" ] || [ "\${20}" = "$start" ]
    return
  fi
  kill -0 "$owner" 2>/dev/null
}
svc_alive() {
  if [ -r "/proc/$svc/stat" ]; then
    read -r stat < "/proc/$svc/stat" || return 1
    rest=\${stat##*) }
    set -- $rest
    [ "$1" != Z ]
    return
  fi
  kill -0 "$svc" 2>/dev/null
}
while svc_alive; do
  if ! owner_alive; then
    kill -TERM "-$svc" 2>/dev/null || kill -TERM "$svc" 2>/dev/null
    i=0
    while svc_alive && [ "$i" -lt "$grace" ]; do sleep 1; i=$((i + 1)); done
    if svc_alive; then kill -KILL "-$svc" 2>/dev/null || kill -KILL "$svc" 2>/dev/null; fi
    exit 0
  fi
  sleep 1
done
`;

/** The name the watchdog runs under ($0 of its shell): `ps` shows it, with the pids it watches. */
export const WATCHDOG_NAME = 'kamf-watchdog';

/**
 * Starts a watchdog that stops `servicePid`'s process group once `owner` is gone. Detached (its own session),
 * so a signal to the owner's process group does not take it along. Returns its pid; undefined on Windows.
 */
export function startWatchdog(owner: ProcessRef, servicePid: number, graceSeconds = 10): number | undefined {
  if (process.platform === 'win32') return undefined;
  const child = spawn(
    '/bin/sh',
    ['-c', WATCHDOG_SCRIPT, WATCHDOG_NAME, String(owner.pid), owner.start ?? '', String(servicePid), String(graceSeconds)],
    {
      cwd: '/',
      detached: true,
      stdio: 'ignore',
    },
  );
  child.on('error', () => {}); // no /bin/sh: the orphan sweep of the next start remains
  child.unref();
  return child.pid;
}
