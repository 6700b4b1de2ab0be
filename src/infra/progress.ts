/** Progress events of long infrastructure work; the CLI prints them, tests may ignore them. */
export interface ProgressEvent {
  service: 'kafka' | 'registry' | 'stack' | string;
  phase: 'download' | 'format' | 'start' | 'wait' | 'ready' | 'stop' | 'reuse' | 'info';
  message: string;
}
export type Progress = (event: ProgressEvent) => void;

export const silent: Progress = () => {};

/** A line printer that rate-limits repeated download/wait lines so logs stay readable. */
export function consoleProgress(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Progress {
  const last = new Map<string, number>();
  return (e) => {
    const key = `${e.service}:${e.phase}`;
    const now = Date.now();
    if ((e.phase === 'download' || e.phase === 'wait') && now - (last.get(key) ?? 0) < 1500) return;
    last.set(key, now);
    write(`[${e.service}] ${e.phase}: ${e.message}`);
  };
}
