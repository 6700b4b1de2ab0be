/**
 * A SELECT (FROM one relation, items, WHERE) -> its parts with columns bound to that relation and type-checked;
 * CREATE VIEW and INSERT INTO both go through it.
 */
import type { FlinkSqlParser as P } from '../flink-grammar.js';
import type { ParserRuleContext } from 'antlr4ng';
import type { Expr, RouterPlan } from '../plan.js';
import { inferType } from '../expr.js';
import { lookupType, relationColumns } from '../relations.js';
import { expression, SUPPORTED_FUNCTIONS } from './expressions.js';
import { identifierText, invalid, pathText, sourceText, unsupported, type Ctx } from './parse.js';

export interface Select {
  from: string;
  fromNode: ParserRuleContext;
  alias?: string;
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
  if (refs.length !== 1 || te.tableExpression().length > 0 || te.KW_JOIN()) throw unsupported(ctx, te, 'a JOIN or several tables in FROM');
  const ref = refs[0]!;
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
  return { from, fromNode: prim, ...(alias ? { alias } : {}), items, ...(where ? { where, whereText: whereText! } : {}) };
}

/** Strips the table alias from column references and checks that every referenced column exists. */
export function bindColumns(ctx: Ctx, plan: RouterPlan, sel: Select, e: Expr | undefined, node: ParserRuleContext): Expr | undefined {
  if (!e) return e;
  const cols = relationColumns(plan, sel.from) ?? [];
  const visit = (x: Expr): Expr => {
    switch (x.k) {
      case 'col': {
        let path = x.path;
        if (path.length > 1 && (path[0] === sel.alias || path[0] === sel.from)) path = path.slice(1);
        if (!cols.some((c) => c.name === path[0])) {
          throw invalid(ctx, node, `column ${x.text} is not in ${sel.from} (columns: ${cols.map((c) => c.name).join(', ')})`);
        }
        return { ...x, path };
      }
      case 'lit':
        return x;
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
}
