/**
 * The trace as one self-contained HTML file: inline CSS and an inline SVG timeline (one bar per hop, on a shared
 * time axis), then the requests, state changes and records as tables. No scripts, fonts or other external assets.
 */
import { methodName, shortId } from './format.js';
import type { Trace } from './trace.js';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const HOP_COLORS: Record<string, string> = {
  'request→snapshot': '#4e79a7',
  'request→reply': '#4e79a7',
  'snapshot→snapshot': '#76b7b2',
  'snapshot→reply': '#59a14f',
  'reply→reply': '#59a14f',
  'reply→request': '#bab0ac',
  'reply→snapshot': '#bab0ac',
  'snapshot→request': '#bab0ac',
  'request→request': '#f28e2b',
};

export function renderTraceHtml(t: Trace, opts: { title?: string; generatedAt?: Date } = {}): string {
  const title = opts.title ?? `KAMF trace ${t.query}`;
  const labelW = 310;
  const chartW = 640;
  const msW = 80;
  const rowH = 22;
  const top = 28;
  const width = labelW + chartW + msW;
  const height = top + Math.max(1, t.hops.length) * rowH + 10;
  const scale = t.totalMs > 0 ? chartW / t.totalMs : 0;
  const ticks = niceTicks(t.totalMs);
  const svg: string[] = [];
  svg.push(
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline of ${t.hops.length} hops">`,
  );
  for (const tick of ticks) {
    const x = labelW + tick * scale;
    svg.push(`<line class="tick" x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${height - 6}"/>`);
    svg.push(`<text class="tick-label" x="${x.toFixed(1)}" y="${top - 10}" text-anchor="middle">${tick} ms</text>`);
  }
  for (const h of t.hops) {
    const y = top + h.index * rowH;
    const x = labelW + (h.fromAt - (t.start ?? 0)) * scale;
    const w = Math.max(2, h.latencyMs * scale);
    const color = HOP_COLORS[h.kind] ?? '#9c755f';
    svg.push(`<text class="hop-label" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(truncate(h.label, 42))}</text>`);
    svg.push(
      `<rect class="hop" data-hop="${h.index}" data-latency="${h.latencyMs}" data-kind="${esc(h.kind)}" x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="2" fill="${color}"><title>${esc(h.label)}: ${h.latencyMs} ms</title></rect>`,
    );
    svg.push(`<text class="hop-ms" x="${labelW + chartW + 8}" y="${y + 15}">${h.latencyMs} ms</text>`);
  }
  if (t.hops.length === 0) svg.push(`<text x="${labelW}" y="${top + 15}">no hops: ${t.events.length} record(s)</text>`);
  svg.push('</svg>');

  const rows = (cells: string[][]) => cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  const requests = rows(
    t.requests.map((r) => [
      `#${esc(shortId(r.correlationId))}`,
      esc(methodName(r.method)),
      esc(r.agent ?? r.topic),
      esc(r.text ?? ''),
      r.firstReplyMs !== undefined ? `${r.firstReplyMs} ms` : '-',
      r.lastReplyMs !== undefined ? `${r.lastReplyMs} ms` : '-',
      esc(r.error ? `error ${r.error.code}` : (r.state ?? '-')),
    ]),
  );
  const states = rows(t.stateChanges.map((s) => [`${s.offsetMs} ms`, esc(shortId(s.taskId)), esc(s.state), esc(s.source)]));
  const events = rows(
    t.events.map((e) => [
      `${e.offsetMs} ms`,
      e.index === 0 ? '' : `+${t.hops[e.index - 1]!.latencyMs}`,
      esc(new Date(e.at).toISOString()),
      esc(`${e.topic} [${e.partition}@${e.offset}]`),
      esc(e.label),
    ]),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin-bottom:16px}.meta b{color:#222}
.timeline{border:1px solid #ddd;background:#fafafa;max-width:100%;height:auto}
.timeline .tick{stroke:#e3e3e3;stroke-width:1}.timeline .tick-label{font-size:10px;fill:#777}
.timeline .hop-label{font-size:11px;fill:#333;font-family:ui-monospace,Menlo,Consolas,monospace}
.timeline .hop-ms{font-size:11px;fill:#333}
table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td:nth-child(n){font-family:ui-monospace,Menlo,Consolas,monospace}
</style></head>
<body>
<h1>${esc(title)}</h1>
<div class="meta"><b>${t.events.length}</b> records, <b>${t.hops.length}</b> hops, <b>${t.requests.length}</b> requests, span <b>${t.totalMs} ms</b>${
    t.start !== undefined ? `, from ${esc(new Date(t.start).toISOString())}` : ''
  }<br>contexts: ${esc(t.contextIds.join(', ') || '-')}<br>tasks: ${esc(t.taskIds.join(', ') || '-')}${
    opts.generatedAt ? `<br>generated ${esc(opts.generatedAt.toISOString())}` : ''
  }</div>
<h2>Timeline</h2>
${svg.join('\n')}
<h2>Requests</h2>
<table><thead><tr><th>request</th><th>method</th><th>agent</th><th>text</th><th>first reply</th><th>last reply</th><th>outcome</th></tr></thead><tbody>
${requests}
</tbody></table>
<h2>Task state changes</h2>
<table><thead><tr><th>at</th><th>task</th><th>state</th><th>seen in</th></tr></thead><tbody>
${states}
</tbody></table>
<h2>Records</h2>
<table><thead><tr><th>at</th><th>hop</th><th>time</th><th>topic</th><th>record</th></tr></thead><tbody>
${events}
</tbody></table>
</body></html>
`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function niceTicks(total: number): number[] {
  if (total <= 0) return [0];
  const raw = total / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let x = 0; x <= total + 1e-9; x += step) out.push(Math.round(x));
  return out;
}
