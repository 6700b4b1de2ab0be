/**
 * CREATE VIEW and INSERT INTO -> the plan's views and routes (sink checks, projections onto sink columns, the
 * source table under a chain of views). The statements that connect relations, apart from defining them.
 */
import type { FlinkSqlParser as P } from '../flink-grammar.js';
import type { RoutePlan, RouterPlan, ViewPlan } from '../plan.js';
import { dottedName, invalid, pathText, pos, unsupported, type Ctx } from './parse.js';
import { bindColumns, checkRelation, expandItems, select } from './select.js';

const WRITABLE_METADATA = new Set(['headers', 'timestamp']);

/** The source table at the bottom of a chain of views. */
function sourceOf(plan: RouterPlan, name: string): string {
  let cur = name;
  for (let guard = 0; plan.views[cur] && guard < 100; guard++) cur = plan.views[cur]!.from;
  return cur;
}

export function createView(ctx: Ctx, plan: RouterPlan, v: P.CreateViewContext): void {
  const name = dottedName(v.viewPathCreate());
  if (v.columnNameList()) throw unsupported(ctx, v.columnNameList()!, 'a view column list');
  if (plan.tables[name] || plan.views[name]) throw invalid(ctx, v, `${name} is defined twice`);
  const sel = select(ctx, v.queryStatement());
  checkRelation(ctx, plan, sel);
  const columns = expandItems(ctx, plan, sel).map(({ name, expr, text }) => ({ name, expr, text }));
  const where = bindColumns(ctx, plan, sel, sel.where, v);
  plan.views[name] = { name, position: pos(v), from: sel.from, columns, ...(where ? { where, whereText: sel.whereText! } : {}) } satisfies ViewPlan;
}

export function insertInto(ctx: Ctx, plan: RouterPlan, ins: P.InsertSimpleStatementContext): void {
  const saved = ctx.statement;
  ctx.statement = ins;
  try {
    if (ins.KW_OVERWRITE()) throw unsupported(ctx, ins, 'INSERT OVERWRITE');
    if (ins.insertPartitionDefinition()) throw unsupported(ctx, ins.insertPartitionDefinition()!, 'PARTITION');
    const q = ins.queryStatement();
    if (!q) throw unsupported(ctx, ins, 'INSERT ... VALUES');
    const sinkName = pathText(ins.tablePath().identifier()).join('.');
    const sink = plan.tables[sinkName];
    if (!sink) throw invalid(ctx, ins.tablePath(), plan.views[sinkName] ? `${sinkName} is a view: INSERT INTO needs a table` : `unknown table ${sinkName}`);
    const sel = select(ctx, q);
    checkRelation(ctx, plan, sel);
    const items = expandItems(ctx, plan, sel);
    const writable = sink.columns.filter((c) => c.kind === 'physical' || (c.kind === 'metadata' && !c.virtual));
    if (sink.upsert) throw unsupported(ctx, ins.tablePath(), `writing to the upsert-kafka table ${sinkName} (the embedded engine only joins them)`);
    for (const c of sink.columns) {
      const writableTopic = sink.topicPattern !== undefined && c.name === sink.topicColumn;
      if (c.kind === 'metadata' && !c.virtual && !writableTopic && !WRITABLE_METADATA.has(c.metadataKey ?? c.name)) {
        throw invalid(ctx, ins.tablePath(), `sink ${sinkName}: metadata '${c.metadataKey ?? c.name}' is read-only: declare it VIRTUAL`);
      }
      if (c.kind === 'computed') throw unsupported(ctx, ins.tablePath(), `a sink with a computed column (${c.name})`);
    }
    const listed = ins.columnNameList();
    const targets = listed ? listed.getText().replace(/[()`]/g, '').split(',') : writable.map((c) => c.name);
    if (targets.length !== items.length) {
      throw invalid(ctx, q, `INSERT INTO ${sinkName} selects ${items.length} columns, but the sink takes ${targets.length} (${targets.join(', ')})`);
    }
    const projections = targets.map((column, i) => {
      if (!writable.some((c) => c.name === column)) throw invalid(ctx, ins, `${sinkName} has no writable column ${column}`);
      return { column, expr: items[i]!.expr, text: items[i]!.text };
    });
    const where = bindColumns(ctx, plan, sel, sel.where, q);
    const source = sourceOf(plan, sel.from);
    const n = plan.routes.length + 1;
    plan.routes.push({
      id: `${n}:${sinkName}`,
      position: pos(ins),
      sink: sinkName,
      from: sel.from,
      source,
      ...(where ? { where, whereText: sel.whereText! } : {}),
      projections,
    } satisfies RoutePlan);
    if (!plan.sources.includes(source)) plan.sources.push(source);
    if (!plan.sinks.includes(sinkName)) plan.sinks.push(sinkName);
    const src = plan.tables[source]!;
    if (src.topicPattern !== undefined) throw unsupported(ctx, sel.fromNode, `reading ${source}, a table with a 'topic-pattern' (a sink's writable topic)`);
    if (src.upsert) throw unsupported(ctx, sel.fromNode, `reading the upsert-kafka table ${source} as a stream (join it FOR SYSTEM_TIME AS OF)`);
    const loop = sink.topicPattern !== undefined ? new RegExp(`^(?:${sink.topicPattern})$`).test(src.topic) : src.topic === sink.topic;
    if (loop) throw invalid(ctx, ins, `${sinkName} ${sink.topicPattern !== undefined ? 'may write' : 'writes'} to ${src.topic}, the topic it reads: that is a loop`);
  } finally {
    ctx.statement = saved;
  }
}
