/**
 * A heap cap for `kamf route` on the embedded engine. Without one V8 lets the router's heap grow with garbage:
 * records that waited for their produce acknowledgement are promoted, then freed only at a full collection whose
 * threshold grows with the heap (docs/routing.md). Node takes the cap only at start, so `bin/kamf.js` runs the
 * command again in a child process with `--max-old-space-size`, before anything else starts (telemetry exporters,
 * the local stack); the parent forwards signals and exits with the child's code. Imports nothing of KAMF: bin reads it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** MB of old generation for the embedded router, unless KAMF_ROUTER_MAX_HEAP_MB says otherwise (0: V8's default). */
export const DEFAULT_ROUTER_HEAP_MB = 256;
const CHILD_MARK = 'KAMF_HEAP_CAPPED_CHILD';
const CAP_FLAG = /(^|\s)--max[-_]old[-_]space[-_]size(=|\s|$)/;

/** The value of option `long` / `short` in `args` (`--engine x`, `--engine=x`, `-e x`, `-ex`), if given. */
function optionValue(args: readonly string[], long: string, short: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === long || a === short) return args[i + 1];
    if (a.startsWith(`${long}=`)) return a.slice(long.length + 1);
    if (a.startsWith(short) && !a.startsWith('--') && a.length > short.length) return a.slice(short.length);
  }
  return undefined;
}

/**
 * The heap cap in MB for this command line, or undefined: only `kamf route <file>` on the embedded engine gets one
 * (not `--engine flink`, `--dry-run`, `route jobs` or `route stop`, which start no router here).
 */
export function heapCapFor(args: readonly string[], command: string | undefined, env: Record<string, string | undefined> = process.env): number | undefined {
  if (command !== 'route') return undefined;
  const rest = args.slice(args.indexOf('route') + 1);
  if (rest[0] === 'jobs' || rest[0] === 'stop' || rest.includes('--dry-run') || rest.includes('--help') || rest.includes('-h')) return undefined;
  if ((optionValue(rest, '--engine', '-e') ?? 'rxjs') !== 'rxjs') return undefined;
  const configured = env.KAMF_ROUTER_MAX_HEAP_MB;
  const mb = configured === undefined || configured === '' ? DEFAULT_ROUTER_HEAP_MB : Number(configured);
  // a value that is not a number is left to the config check of the command, which names it
  return Number.isInteger(mb) && mb > 0 ? mb : undefined;
}

/** True when this process already runs under a heap cap: a flag of its own or in NODE_OPTIONS, or it is the child. */
export function hasHeapCap(execArgv: readonly string[] = process.execArgv, env: Record<string, string | undefined> = process.env): boolean {
  return env[CHILD_MARK] === '1' || execArgv.some((a) => CAP_FLAG.test(a)) || CAP_FLAG.test(env.NODE_OPTIONS ?? '');
}

/** Runs this same command line again under a heap of `mb` MB; resolves with the exit code to leave with. */
export function rerunWithHeapCap(mb: number): Promise<number> {
  // its own process group: a Ctrl-C on the terminal reaches this process only, which passes it on exactly once
  const child = spawn(process.execPath, [`--max-old-space-size=${mb}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [CHILD_MARK]: '1' },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 15));
    });
  });
}

/** In the child: stop as on SIGTERM once the parent is gone (its IPC channel closes), so no router is left behind. */
export function stopWithParent(): void {
  if (process.env[CHILD_MARK] !== '1' || !process.send) return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // the channel must not keep this process alive on its own
  process.channel?.unref();
}
