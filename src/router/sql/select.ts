/**
 * A SELECT (FROM one relation, items, WHERE) -> its parts with columns bound to that relation and type-checked;
 * CREATE VIEW and INSERT INTO both go through it.
 */
import type { FlinkSqlParser as P } from '../flink-grammar.js';
import type { ParserRuleContext } from 'antlr4ng';
import type { Expr, RouterPlan, ViewPlan } from '../plan.js';
import { exprText, inferType } from '../expr.js';
import { lookupRef } from '../lookup-state.js';
import { lookupType, relationColumns } from '../relations.js';
import { expression, SUPPORTED_FUNCTIONS } from './expressions.js';
import { identifierText, invalid, pathText, pos, sourceText, unquote, unsupported, type Ctx } from './parse.js';
import { substitute } from '../placeholders.js';

export interface Select {
  from: string;
  fromNode: ParserRuleContext;
  alias?: string;
  /** `FROM a [LEFT] JOIN t FOR SYSTEM_TIME AS OF a.ts AS b ON a.x = b.key`, planned into a view by `checkRelation`. */
  join?: JoinClause;
  /** Column qualifiers of a join: table or alias -> the prefix of its columns in the join's view ('' = left). */
  qualifiers?: Map<string, string>;
  items: Array<{ name?: string; expr?: Expr; text: string; star?: boolean; node: ParserRuleContext }>;
  where?: Expr;
  whereText?: string;
}

export function select(ctx: Ctx, q: P.QueryStatementContext): Select {
  if (q.withClause()) throw unsupported(ctx, q.withClause()!, 'WITH (common table expressions)');
  if (q.valuesClause()) throw unsupported(ctx, q.valuesClause()!, 'VALUES');
  if (q.KW_UNION() || q.KW_INTERSECT() || q.KW_EXCEPT()) throw unsupported(ctx, q, 'UNION / INTERSECT / EXCEPT');
  if (q.orderByClause()) throw unsupported(ctx, q.orderByClause()!, 'ORDER BY');
  if (q.limitClause()) throw unsupported(ctx, q.limitClause()!, 'LIMIT');
  const inner = q.queryStatement(0);
  if (inner && !q.selectStatement()) return select(ctx, inner); // ( query )
  const s = q.selectStatement();
  if (!s) throw unsupported(ctx, q, 'this query form');
  if (s.groupByClause()) throw unsupported(ctx, s.groupByClause()!, 'GROUP BY (aggregation)');
  if (s.havingClause()) throw unsupported(ctx, s.havingClause()!, 'HAVING');
  if (s.windowClause()) throw unsupported(ctx, s.windowClause()!, 'WINDOW');
  if (s.matchRecognizeClause()) throw unsupported(ctx, s.matchRecognizeClause()!, 'MATCH_RECOGNIZE');
  const sc = s.selectClause();
  if (sc.setQuantifier()) throw unsupported(ctx, sc.setQuantifier()!, 'SELECT DISTINCT (stateful deduplication)');
  const fromClause = s.fromClause();
  if (!fromClause) throw unsupported(ctx, s, 'a SELECT without FROM');
  const te = fromClause.tableExpression();
  const refs = te.tableReference();
  const tvf = te.windowTVFClause() ?? te.tableExpression().find((x) => x.windowTVFClause())?.windowTVFClause();
  if (tvf || /^TABLE\s*\(/i.test(sourceText(ctx, te))) throw unsupported(ctx, tvf ?? te, 'a window table function (TUMBLE, HOP, ...)');
  const join = te.KW_JOIN() ? joinClause(ctx, te) : undefined;
  if (!join && (refs.length !== 1 || te.tableExpression().length > 0)) throw unsupported(ctx, te, 'a JOIN or several tables in FROM');
  const ref = join ? join.left : refs[0]!;
  const prim = ref.tablePrimary();
  const path = prim.tablePath();
  if (!path || prim.systemTimePeriod()) throw unsupported(ctx, prim, 'this FROM item (only a table or view name)');
  const from = pathText(path.identifier()).join('.');
  const aliasNode = ref.tableAlias();
  const alias = aliasNode ? identifierText(aliasNode.identifier()) : undefined;

  const items: Select['items'] = [];
  for (const item of sc.selectList().columnProjectItem()) {
    if (item.selectWindowItemColumnName()) throw unsupported(ctx, item, 'an OVER window');
    const all = item.tableAllColumns();
    if (all || item.getText() === '*') {
      items.push({ star: true, text: '*', node: item });
      continue;
    }
    const alias = item.columnAlias();
    const aliasName = alias ? identifierText(alias.identifier()) : undefined;
    const lit = item.selectLiteralColumnName();
    const misread = lit && item.expression();
    if (misread) {
      // the grammar reads an unaliased `LTRIM(x)` as the column LTRIM followed by `(x)`: it is a call
      const fn = lit.getText().toUpperCase();
      const text = sourceText(ctx, misread).trim();
      // ...and `b + 1` as the column b followed by `+ 1`: refused rather than read as b
      if (!text.startsWith('(')) throw unsupported(ctx, item, `the select item ${JSON.stringify(sourceText(ctx, item))} as written (the embedded engine's grammar misreads it: write (${sourceText(ctx, item)}))`);
      if (!SUPPORTED_FUNCTIONS.has(fn)) throw unsupported(ctx, item, `the function ${fn}`);
      const arg = expression(ctx, misread);
      items.push({ ...(aliasName ? { name: aliasName } : {}), expr: { k: 'call', fn, args: [arg] }, text: sourceText(ctx, item).replace(/\s+/g, ' '), node: item });
      continue;
    }
    const literal = lit ? literalItem(ctx, lit.getText()) : undefined;
    if (literal) {
      // the grammar reads a literal select item ('x', 1, 2.5) as a column name: it is the literal
      items.push({ ...(aliasName ? { name: aliasName } : {}), expr: literal, text: lit!.getText(), node: item });
      continue;
    }
    if (lit) {
      const parts = lit.getText().split('.').map((p) => (p.startsWith('`') ? p.slice(1, -1) : p));
      items.push({ name: aliasName ?? parts[parts.length - 1]!, expr: { k: 'col', path: parts, text: lit.getText() }, text: lit.getText(), node: item });
      continue;
    }
    const ex = item.selectExpressionColumnName()?.expression() ?? item.expression();
    if (!ex) throw unsupported(ctx, item, 'this select item');
    const e = expression(ctx, ex);
    items.push({ ...(aliasName ? { name: aliasName } : {}), expr: e, text: sourceText(ctx, ex).replace(/\s+/g, ' '), node: item });
  }
  const w = s.whereClause();
  let where: Expr | undefined;
  let whereText: string | undefined;
  if (w) {
    const b = w.booleanExpression();
    if (!b) throw unsupported(ctx, w, 'this WHERE clause');
    where = expression(ctx, b);
    whereText = sourceText(ctx, b).replace(/\s+/g, ' ');
  }
  return { from, fromNode: prim, ...(alias ? { alias } : {}), ...(join ? { join } : {}), items, ...(where ? { where, whereText: whereText! } : {}) };
}

export interface JoinClause {
  left: P.TableReferenceContext;
  right: string;
  rightAlias: string;
  rightNode: ParserRuleContext;
  kind: 'inner' | 'left';
  /** `FOR SYSTEM_TIME AS OF <this>`: a column of the left side. */
  time: Expr;
  on: Expr;
  onNode: ParserRuleContext;
}

/** The one join the embedded engine runs: a temporal join of a relation with an upsert-kafka table on its key. */
function joinClause(ctx: Ctx, te: P.TableExpressionContext): JoinClause {
  const what = 'this JOIN (the embedded engine joins only `a [LEFT] JOIN t FOR SYSTEM_TIME AS OF a.time [AS] b ON a.x = b.key` with an upsert-kafka table t)';
  if (te.KW_CROSS() || te.KW_NATURAL() || te.KW_RIGHT() || te.KW_FULL()) throw unsupported(ctx, te, what);
  const [l, r] = te.tableExpression();
  const left = l?.tableReference(0);
  const right = r?.tableReference(0);
  const cond = te.joinCondition()?.booleanExpression();
  if (!l || !r || !left || !right || l.tableExpression().length || r.tableExpression().length || !cond) throw unsupported(ctx, te, what);
  const period = right.tablePrimary().systemTimePeriod();
  const rightPath = right.tablePrimary().tablePath();
  if (!period || !rightPath) throw unsupported(ctx, right, `${what}; a join without FOR SYSTEM_TIME AS OF is a regular join, whose result changes (an updating stream a Kafka sink refuses)`);
  const name = pathText(rightPath.identifier()).join('.');
  const alias = right.tableAlias();
  return {
    left,
    right: name,
    rightAlias: alias ? identifierText(alias.identifier()) : name,
    rightNode: right,
    kind: te.KW_LEFT() ? 'left' : 'inner',
    time: expression(ctx, period.dateTimeExpression().expression() as never),
    on: expression(ctx, cond),
    onNode: cond,
  };
}

/** Strips the table alias from column references and checks that every referenced column exists. */
export function bindColumns(ctx: Ctx, plan: RouterPlan, sel: Select, e: Expr | undefined, node: ParserRuleContext): Expr | undefined {
  if (!e) return e;
  const cols = relationColumns(plan, sel.from) ?? [];
  const visit = (x: Expr): Expr => {
    switch (x.k) {
      case 'col': {
        let path = x.path;
        if (sel.qualifiers) path = qualified(ctx, node, sel, cols, x);
        else if (path.length > 1 && (path[0] === sel.alias || path[0] === sel.from)) path = path.slice(1);
        if (!cols.some((c) => c.name === path[0])) {
          throw invalid(ctx, node, `column ${x.text} is not in ${sel.from} (columns: ${cols.map((c) => c.name).join(', ')})`);
        }
        return { ...x, path };
      }
      case 'lit':
        return x;
      case 'lookup':
        return { ...x, key: visit(x.key) };
      case 'subscript':
        return { ...x, base: visit(x.base), index: visit(x.index) };
      case 'cast':
        return { ...x, expr: visit(x.expr) };
      case 'call':
        return { ...x, args: x.args.map(visit) };
      case 'cmp':
      case 'and':
      case 'or':
      case 'arith':
        return { ...x, l: visit(x.l), r: visit(x.r) } as Expr;
      case 'not':
      case 'neg':
        return { ...x, e: visit(x.e) } as Expr;
      case 'in':
        return { ...x, e: visit(x.e), list: x.list.map(visit) };
      case 'like':
        return { ...x, e: visit(x.e), pattern: visit(x.pattern) };
      case 'between':
        return { ...x, e: visit(x.e), lo: visit(x.lo), hi: visit(x.hi) };
      case 'is':
        return { ...x, e: visit(x.e) };
      case 'case':
        return {
          ...x,
          ...(x.operand ? { operand: visit(x.operand) } : {}),
          whens: x.whens.map((w) => ({ when: visit(w.when), then: visit(w.then) })),
          ...(x.else ? { else: visit(x.else) } : {}),
        };
    }
  };
  const bound = visit(e);
  // type check what Flink's validator would refuse (e.g. comparing BYTES with a string)
  inferType(bound, (path) => lookupType(plan, sel.from, path), (message) => {
    throw invalid(ctx, node, message);
  });
  return bound;
}

export function expandItems(ctx: Ctx, plan: RouterPlan, sel: Select): Array<{ name: string; expr: Expr; text: string; node: ParserRuleContext }> {
  const out: Array<{ name: string; expr: Expr; text: string; node: ParserRuleContext }> = [];
  for (const item of sel.items) {
    if (item.star) {
      for (const c of relationColumns(plan, sel.from) ?? []) out.push({ name: c.name, expr: { k: 'col', path: [c.name], text: c.name }, text: c.name, node: item.node });
      continue;
    }
    const expr = bindColumns(ctx, plan, sel, item.expr!, item.node)!;
    out.push({ name: item.name ?? `EXPR$${out.length}`, expr, text: item.text, node: item.node });
  }
  return out;
}

export function checkRelation(ctx: Ctx, plan: RouterPlan, sel: Select): void {
  if (!plan.tables[sel.from] && !plan.views[sel.from]) throw invalid(ctx, sel.fromNode, `unknown table or view ${sel.from}`);
  if (sel.join) planJoin(ctx, plan, sel, sel.join);
}

/** A column reference in a SELECT over a join -> its column in the join's view (`b.x` -> `b.x`, `a.y` -> `y`). */
function qualified(ctx: Ctx, node: ParserRuleContext, sel: Select, cols: Array<{ name: string }>, x: Extract<Expr, { k: 'col' }>): string[] {
  const prefix = x.path.length > 1 ? sel.qualifiers!.get(x.path[0]!) : undefined;
  if (prefix !== undefined) {
    const rest = x.path.slice(1);
    return prefix ? [`${prefix}${rest[0]}`, ...rest.slice(1)] : rest;
  }
  // unqualified: the left side's column, or the right side's when only it has one by that name
  const matches = [...new Set(sel.qualifiers!.values())].filter((p) => cols.some((c) => c.name === `${p}${x.path[0]}`));
  if (matches.length > 1) throw invalid(ctx, node, `column ${x.text} is ambiguous: both sides of the join have it (qualify it)`);
  return matches.length === 1 ? [`${matches[0]}${x.path[0]}`, ...x.path.slice(1)] : x.path;
}

/**
 * A temporal join planned as a view over the left relation: its columns, then the lookup table's columns as
 * `<alias>.<column>` read by key (NULL without a row); an inner join keeps only rows whose key has a row.
 */
function planJoin(ctx: Ctx, plan: RouterPlan, sel: Select, j: JoinClause): void {
  const table = plan.tables[j.right];
  if (!table) throw invalid(ctx, j.rightNode, `unknown table ${j.right}`);
  if (!table.upsert) throw unsupported(ctx, j.rightNode, `a temporal join with ${j.right}, which is not an upsert-kafka table (the embedded engine looks rows up by primary key)`);
  const leftName = sel.from;
  const leftAlias = sel.alias ?? leftName;
  const leftCols = relationColumns(plan, leftName) ?? [];
  const side = (e: Expr): 'left' | 'right' | undefined => {
    if (e.k !== 'col') return undefined;
    if (e.path.length === 2 && e.path[0] === j.rightAlias) return 'right';
    if (e.path.length === 2 && e.path[0] === leftAlias) return 'left';
    if (e.path.length === 1) return leftCols.some((c) => c.name === e.path[0]) ? 'left' : 'right';
    return e.path[0] === j.rightAlias ? 'right' : 'left';
  };
  const bare = (e: Expr): Expr => (e.k === 'col' && e.path.length === 2 ? { ...e, path: [e.path[1]!] } : e);
  const left: Select = { from: leftName, fromNode: sel.fromNode, ...(sel.alias ? { alias: sel.alias } : {}), items: [] };
  // FOR SYSTEM_TIME AS OF: a time column of the left side (Flink's event time; the embedded engine takes the newest row)
  const time = bindColumns(ctx, plan, left, j.time, j.onNode)!;
  const timeType = inferType(time, (p) => lookupType(plan, leftName, p)).name;
  if (!/^TIMESTAMP/.test(timeType)) throw invalid(ctx, j.rightNode, `FOR SYSTEM_TIME AS OF needs a time column of ${leftName}, not ${exprText(j.time)} (${timeType})`);
  const on = j.on;
  if (on.k !== 'cmp' || on.op !== '=') throw unsupported(ctx, j.onNode, 'a join condition other than <left column> = <lookup table>.<primary key>');
  const [l, r] = side(on.l) === 'right' ? [on.r, on.l] : [on.l, on.r];
  const pk = table.upsert.primaryKey;
  // the left side may be an expression over the left relation's columns (bound below, so a right column there fails)
  if (side(r) !== 'right' || bare(r).k !== 'col' || (bare(r) as { path: string[] }).path[0] !== pk || side(l) === 'right') {
    throw unsupported(ctx, j.onNode, `the join condition ${exprText(on)} (it must equal a column of ${leftName} with ${j.rightAlias}.${pk}, the primary key)`);
  }
  const key = bindColumns(ctx, plan, left, l, j.onNode)!;
  const keyType = inferType(key, (p) => lookupType(plan, leftName, p)).name;
  if (!['STRING', 'VARCHAR', 'CHAR'].includes(keyType)) throw invalid(ctx, j.onNode, `the join key ${exprText(l)} is ${keyType}, the primary key ${pk} is STRING: write CAST(${exprText(l)} AS STRING)`);
  const ref = lookupRef(table.brokers, table.topic);
  const name = `${leftAlias} JOIN ${j.right} AS ${j.rightAlias}#${Object.keys(plan.views).length + 1}`;
  const columns = [
    ...leftCols.map((c) => ({ name: c.name, expr: { k: 'col', path: [c.name], text: c.name } as Expr, text: c.name })),
    ...table.columns
      .filter((c) => !(c.kind === 'metadata' && (c.metadataKey ?? c.name) !== 'timestamp'))
      .map((c) => ({ name: `${j.rightAlias}.${c.name}`, expr: { k: 'lookup', table: j.right, column: c.name, key, type: { ...c.type, nullable: true }, ref } as Expr, text: `${j.rightAlias}.${c.name}` })),
  ];
  const exists: Expr = { k: 'lookup', table: j.right, key, type: { name: 'BOOLEAN', text: 'BOOLEAN', nullable: false }, ref };
  plan.views[name] = {
    name,
    position: pos(j.rightNode),
    from: leftName,
    columns,
    ...(j.kind === 'inner' ? { where: exists, whereText: `${j.rightAlias}.${pk} = ${exprText(key)}` } : {}),
  } satisfies ViewPlan;
  plan.lookups ??= [];
  if (!plan.lookups.includes(j.right)) plan.lookups.push(j.right);
  sel.from = name;
  sel.qualifiers = new Map([
    [leftAlias, ''],
    [leftName, ''],
    [j.rightAlias, `${j.rightAlias}.`],
    [j.right, `${j.rightAlias}.`],
  ]);
  delete sel.alias;
}

/** A select item the grammar read as a column name that is a string or numeric literal. */
function literalItem(ctx: Ctx, text: string): Expr | undefined {
  if (text.startsWith("'")) return { k: 'lit', value: substitute(unquote(text), ctx.values) };
  if (/^\d+(\.\d*)?([eE][-+]?\d+)?$/.test(text)) return { k: 'lit', value: Number(text), num: text };
  return undefined;
}
