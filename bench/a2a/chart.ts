/** A self-contained HTML page of latency distributions (one SVG chart per number in flight, a CDF line per case). */
import type { CaseLevel } from './compare.js';

const COLORS: Record<string, string> = { raw: '#888', kafka: '#d62728', router: '#ff7f0e', http: '#1f77b4', 'kafka-stream': '#9467bd', 'http-stream': '#17becf' };

function cdfChart(levels: CaseLevel[], inFlight: number): string {
  const byCase = new Map<string, number[]>();
  for (const l of levels.filter((x) => x.inFlight === inFlight)) byCase.set(l.name, [...(byCase.get(l.name) ?? []), ...l.latenciesMs]);
  if (!byCase.size) return '';
  const W = 640, H = 320, P = 40;
  const all = [...byCase.values()].flat().sort((a, b) => a - b);
  // log scale from the fastest to the 99.9th percentile, so one outlier does not flatten the rest
  const lo = Math.max(0.05, all[0]!), hi = all[Math.floor(all.length * 0.999)] ?? all[all.length - 1]!;
  const x = (ms: number) => P + ((Math.log(Math.max(lo, Math.min(hi, ms))) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1)) * (W - 2 * P);
  const y = (q: number) => H - P - q * (H - 2 * P);
  const lines = [...byCase].map(([name, xs]) => {
    const s = [...xs].sort((a, b) => a - b);
    const step = Math.max(1, Math.floor(s.length / 200));
    const pts = s.filter((_, i) => i % step === 0).map((ms, i) => `${x(ms).toFixed(1)},${y((i * step + 1) / s.length).toFixed(1)}`);
    return `<polyline fill="none" stroke="${COLORS[name] ?? '#000'}" stroke-width="2" points="${pts.join(' ')}"><title>${name}</title></polyline>`;
  });
  const ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].filter((t) => t >= lo && t <= hi);
  const legend = [...byCase.keys()].map((n, i) => `<text x="${W - 150}" y="${20 + i * 16}" fill="${COLORS[n] ?? '#000'}">${n}</text>`);
  return `<h2>${inFlight} in flight</h2><svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">
<line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="#000"/><line x1="${P}" y1="${P}" x2="${P}" y2="${H - P}" stroke="#000"/>
${ticks.map((t) => `<text x="${x(t)}" y="${H - P + 14}" text-anchor="middle">${t}</text>`).join('')}
<text x="${W / 2}" y="${H - 6}" text-anchor="middle">latency, ms (log)</text>
${[0, 0.5, 0.9, 0.99, 1].map((q) => `<text x="${P - 4}" y="${y(q) + 4}" text-anchor="end">${q}</text>`).join('')}
${lines.join('\n')}${legend.join('')}</svg>`;
}

export function latencyChartHtml(levels: CaseLevel[], title: string): string {
  const inFlights = [...new Set(levels.map((l) => l.inFlight))].sort((a, b) => a - b);
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif"><h1>${title}</h1>
<p>Cumulative distribution of request latency per case (all repeats together); further left is faster.</p>
${inFlights.map((n) => cdfChart(levels, n)).join('\n')}</body>`;
}
