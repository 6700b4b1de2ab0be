/** Progress bars for long reads and replays: cli-progress on stderr, only on a terminal or when asked. */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  start(total: number, label: string): void;
  update(value: number): void;
  stop(): void;
}

export const noProgress: ProgressBar = { start: () => {}, update: () => {}, stop: () => {} };

/** A bar on stderr when stderr is a TTY or `force` (`--progress`); otherwise nothing. */
export function progressBar(force = false, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!force && !stream.isTTY) return noProgress;
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(total, label) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label.padEnd(10)} [{bar}] {percentage}% {value}/{total} {eta_formatted}`,
          hideCursor: false,
          clearOnComplete: false,
          noTTYOutput: !stream.isTTY,
          notTTYSchedule: 1000,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0);
    },
    update(value) {
      bar?.update(value);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
