/** The safety gate in front of every write: ask on a terminal, refuse without `--yes` anywhere else. */
import { createInterface } from 'node:readline/promises';
import { KamfError } from '../core/errors.js';

export interface ConfirmOptions {
  yes?: boolean;
  dryRun?: boolean;
  /** Whether a person can answer (stdin and stderr are terminals). */
  interactive?: boolean;
  ask?: (question: string) => Promise<string>;
}

export const isInteractive = (): boolean => !!process.stdin.isTTY && !!process.stderr.isTTY;

/** Throws before any read when a write could never be confirmed (not a terminal, no --yes). */
export function assertCanWrite(opts: ConfirmOptions, into: string): void {
  if (opts.dryRun || opts.yes) return;
  if (!(opts.interactive ?? isInteractive())) {
    throw new KamfError(
      'CONFIG_INVALID',
      `refusing to write to ${into}: not a terminal, so nobody can confirm. Pass --yes to write, or --dry-run to see what would be written.`,
    );
  }
}

export async function confirmWrite(opts: ConfirmOptions, what: string): Promise<boolean> {
  if (opts.dryRun || opts.yes) return true;
  const ask =
    opts.ask ??
    (async (q: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(q);
      } finally {
        rl.close();
      }
    });
  const answer = await ask(`${what}? [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}
