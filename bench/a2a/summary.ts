/** The comparison's figures per case and level (median over repeats, with the spread) and its targets as ratios. */
import type { CaseName } from './protocol.js';
import type { CaseLevel } from './compare.js';

export interface LevelSummary {
  name: CaseName;
  inFlight: number;
  repeats: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  tasksPerSecond: number;
  /** min and max over the repeats, for the spread. */
  p50Range: [number, number];
  tpsRange: [number, number];
  cpuPerTask: { client: number; server: number; broker?: number; total: number };
  maxRssMb: { client: number; server: number };
}

export interface Target {
  measure: string;
  target: string;
  /** The measured value as printed (a ratio with ×, or ms); undefined: not measured in this run. */
  measured?: string;
  met?: boolean;
  /** What the figure is made of, e.g. "median of 3 repeats, spread 0.9–1.1". */
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export function summarizeLevels(levels: CaseLevel[]): LevelSummary[] {
  const groups = new Map<string, CaseLevel[]>();
  for (const l of levels) groups.set(`${l.name}@${l.inFlight}`, [...(groups.get(`${l.name}@${l.inFlight}`) ?? []), l]);
  return [...groups.values()].map((g) => {
    const broker = g.every((l) => l.cpuPerTask.broker !== undefined) ? median(g.map((l) => l.cpuPerTask.broker!)) : undefined;
    const client = median(g.map((l) => l.cpuPerTask.client));
    const server = median(g.map((l) => l.cpuPerTask.server));
    return {
      name: g[0]!.name,
      inFlight: g[0]!.inFlight,
      repeats: g.length,
      p50: median(g.map((l) => l.p50)),
      p90: median(g.map((l) => l.p90)),
      p99: median(g.map((l) => l.p99)),
      max: median(g.map((l) => l.max)),
      tasksPerSecond: median(g.map((l) => l.tasksPerSecond)),
      p50Range: [Math.min(...g.map((l) => l.p50)), Math.max(...g.map((l) => l.p50))],
      tpsRange: [Math.min(...g.map((l) => l.tasksPerSecond)), Math.max(...g.map((l) => l.tasksPerSecond))],
      cpuPerTask: { client, server, ...(broker !== undefined ? { broker } : {}), total: client + server + (broker ?? 0) },
      maxRssMb: { client: Math.max(...g.map((l) => l.maxRssMb.client)), server: Math.max(...g.map((l) => l.maxRssMb.server)) },
    };
  });
}

/** Ratio of two cases' figure, computed per repeat (the same repeat: the same machine state), then the median. */
function ratio(levels: CaseLevel[], a: CaseName, b: CaseName, inFlight: number, figure: (l: CaseLevel) => number) {
  const rs: number[] = [];
  for (const la of levels.filter((l) => l.name === a && l.inFlight === inFlight)) {
    const lb = levels.find((l) => l.name === b && l.inFlight === inFlight && l.repeat === la.repeat);
    if (lb) rs.push(figure(la) / figure(lb));
  }
  if (!rs.length) return undefined;
  return { value: median(rs), min: Math.min(...rs), max: Math.max(...rs), n: rs.length };
}

const fmt = (x: number, d = 2) => x.toFixed(d);

export function a2aTargets(levels: CaseLevel[], summary: LevelSummary[]): Target[] {
  const t: Target[] = [];
  const ratioTarget = (measure: string, target: string, r: ReturnType<typeof ratio>, met: (x: number) => boolean) =>
    t.push({
      measure,
      target,
      ...(r ? { measured: `${fmt(r.value)}×`, met: met(r.value), note: `median of ${r.n} repeat${r.n > 1 ? 's' : ''}, spread ${fmt(r.min)}–${fmt(r.max)}` } : {}),
    });
  const top = Math.max(...levels.map((l) => l.inFlight));
  ratioTarget('one in flight, p50: A2A over Kafka ÷ A2A over HTTP', '≤ 1.0×', ratio(levels, 'kafka', 'http', 1, (l) => l.p50), (x) => x <= 1);
  ratioTarget('one in flight, p50: A2A over Kafka ÷ raw Kafka floor (same client)', '≤ 1.3×', ratio(levels, 'kafka', 'raw', 1, (l) => l.p50), (x) => x <= 1.3);
  ratioTarget(`${top} in flight, tasks/s: A2A over Kafka ÷ A2A over HTTP`, '≥ 2.0×', ratio(levels, 'kafka', 'http', top, (l) => l.tasksPerSecond), (x) => x >= 2);
  ratioTarget(`${top} in flight, p99: A2A over Kafka ÷ A2A over HTTP`, '< 1.0×', ratio(levels, 'kafka', 'http', top, (l) => l.p99), (x) => x < 1);
  const cpu = summary.find((s) => s.name === 'kafka' && s.inFlight === top);
  t.push({
    measure: `CPU per task at ${top} in flight, A2A over Kafka (agent + broker + client)`,
    target: '≤ 0.6 ms',
    ...(cpu
      ? {
          measured: `${fmt(cpu.cpuPerTask.total)} ms`,
          met: cpu.cpuPerTask.total <= 0.6,
          note: `agent ${fmt(cpu.cpuPerTask.server)}, broker ${cpu.cpuPerTask.broker === undefined ? 'not measured' : fmt(cpu.cpuPerTask.broker)}, client ${fmt(cpu.cpuPerTask.client)}`,
        }
      : {}),
  });
  ratioTarget('one in flight, p50: through the router ÷ direct', '≤ 2.0×', ratio(levels, 'router', 'kafka', 1, (l) => l.p50), (x) => x <= 2);
  ratioTarget('streaming, time to first event (one in flight, p50): Kafka ÷ HTTP SSE', '≤ 1.0×', ratio(levels, 'kafka-stream', 'http-stream', 1, (l) => l.p50), (x) => x <= 1);
  return t;
}

/** The client each yardstick case runs, as the report names it (the native client's version comes from the run). */
export const OTHER_CLIENTS: Partial<Record<CaseName, string>> = { 'raw-platformatic': '@platformatic/kafka 1.35', 'raw-native': '@confluentinc/kafka-javascript' };

/** The raw floor on each other Kafka client against kafkajs (medians): the evidence for which client KAMF uses. */
export function clientsSideBySide(summary: LevelSummary[], names: Partial<Record<CaseName, string>> = OTHER_CLIENTS): string[] {
  return (Object.keys(names) as CaseName[]).flatMap((other) => {
    const levels = [...new Set(summary.filter((s) => s.name === other).map((s) => s.inFlight))].sort((a, b) => a - b);
    const parts = levels.flatMap((n) => {
      const o = summary.find((s) => s.name === other && s.inFlight === n);
      const kj = summary.find((s) => s.name === 'raw' && s.inFlight === n);
      if (!o || !kj) return [];
      return [`${n} in flight: p50 ${fmt(o.p50 / kj.p50)}×, tasks/s ${fmt(o.tasksPerSecond / kj.tasksPerSecond)}×, CPU per round trip ${fmt(o.cpuPerTask.total / kj.cpuPerTask.total)}×`];
    });
    return parts.length ? [`Kafka clients side by side on the raw floor (same round trip and settings), ${names[other]} ÷ kafkajs 2.2.4: ${parts.join('; ')}.`] : [];
  });
}
