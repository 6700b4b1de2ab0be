/** Messages between the comparison driver and its two child processes (the server side and the load client). */
export type CaseName = 'raw' | 'raw-platformatic' | 'raw-native' | 'kafka' | 'router' | 'http' | 'kafka-stream' | 'http-stream';

export interface ServerReady {
  type: 'ready';
  /** What the client needs to reach the server: topics, a card, a URL. */
  target: Record<string, unknown>;
}

export interface Usage {
  type: 'usage';
  cpuMs: number;
  maxRssMb: number;
}

export interface LevelResult {
  type: 'level';
  inFlight: number;
  latenciesMs: number[];
  seconds: number;
  cpuMs: number;
  maxRssMb: number;
}

export type ToDriver = ServerReady | Usage | LevelResult | { type: 'warmed'; requests: number } | { type: 'error'; message: string };
export type ToChild =
  | { type: 'usage' }
  /** Untimed requests at `inFlight` for at least `ms` and at least `requests`. */
  | { type: 'warm'; inFlight: number; ms: number; requests: number }
  | { type: 'run'; inFlight: number; n: number }
  | { type: 'stop' };

/** CPU time of this process so far, in ms (user + system). */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Peak resident set of this process, in MB. */
export const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;
