/** Child processes of the local stack: started detached with a log file, stopped by pid. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, readSync } from 'node:fs';
import { KamfError } from '../core/errors.js';

export interface Spawned {
  pid: number;
  /** Resolves with the exit code if the process ends while we still hold it. */
  exited: Promise<number | null>;
}

export function spawnService(cmd: string, args: string[], opts: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): Spawned {
  const fd = openSync(opts.logFile, 'a');
  // detached: the service outlives `kamf infra up`, and its process group can be signalled as a whole
  const child = spawn(cmd, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  child.unref();
  if (child.pid === undefined) {
    throw new KamfError('INFRA_START_FAILED', `Could not start ${cmd}: the program was not found or is not executable.`, {
      details: { cmd, logFile: opts.logFile },
      hint: 'Check that this Java can run, or point KAMF_JAVA_HOME at a JDK 17+.',
    });
  }
  return { pid: child.pid, exited };
}

/** The fields of /proc/<pid>/stat after the command name ([state, ppid, pgrp, ...]); undefined without /proc or process. */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may itself contain spaces or parentheses
    return stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
  } catch {
    return undefined;
  }
}

/** True while `pid` runs. A zombie (ended, not yet reaped, e.g. under an init that does not reap) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.[0] !== 'Z';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the process group, wait, then SIGKILL what is left. Resolves true if it had to kill. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<boolean> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!isAlive(pid)) return false;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return false;
    await sleep(100);
  }
  signal('SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return true;
}

/** The last `lines` lines of a log file, reading at most the last 64 KiB. */
export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log file)';
  const size = statSync(file).size;
  const len = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(len);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, len, size - len);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion, handing each output line (colour codes stripped) to `onLine`; keeps the last 40. */
export function runLines(cmd: string, args: string[], onLine: (line: string) => void = () => {}): Promise<{ code: number; tail: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => resolve({ code: code ?? 1, tail }));
    child.on('error', (err) => resolve({ code: 1, tail: [...tail, String(err)] }));
  });
}
