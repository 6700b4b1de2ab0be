/**
 * SQL expressions -> the `Expr` of plan.ts (and column types -> `SqlType`): the one place that knows the grammar's
 * expression contexts, separate from the statement-level planning that calls it.
 */
import { FlinkSqlParser as P } from '../flink-grammar.js';
import { FUNCTIONS } from '../expr.js';
import type { Expr, SqlType } from '../plan.js';
import { substitute } from '../placeholders.js';
import { pathText, sourceText, unquote, unsupported, type Ctx } from './parse.js';

/** Scalar functions the embedded engine evaluates (Flink semantics, each with differential cases; see expr.ts). */
export const SUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set(FUNCTIONS);

export function sqlType(node: P.ColumnTypeContext): SqlType {
  const text = node.getText();
  const first = (node.start?.text ?? text).toUpperCase();
  const name =
    first === 'VARCHAR' || first === 'STRING'
      ? 'STRING'
      : first === 'BYTES' || first === 'BINARY' || first === 'VARBINARY'
        ? 'BYTES'
        : first === 'INTEGER'
          ? 'INT'
          : first === 'DEC' || first === 'NUMERIC'
            ? 'DECIMAL'
            : first;
  const map = node.mapTypeDimension();
  const notNull = /NOTNULL$/i.test(text);
  const params = /^[A-Z_]+\((\d+)(?:,(\d+))?\)/i.exec(text);
  if (name === 'DECIMAL') return { name, text, nullable: !notNull, precision: params ? Number(params[1]) : 10, scale: params?.[2] ? Number(params[2]) : 0 };
  if (name === 'STRING' && first === 'VARCHAR') return { name, text, nullable: !notNull, ...(params ? { length: Number(params[1]) } : {}) };
  if (name === 'CHAR') return { name, text, nullable: !notNull, length: params ? Number(params[1]) : 1 };
  if (name === 'TIMESTAMP_LTZ') return { name, text, nullable: !notNull, precision: params ? Number(params[1]) : 6 };
  if (map) {
    const key = map.columnType(0);
    const value = map.columnType(1);
    return { name, text, nullable: !notNull, ...(key ? { key: sqlType(key) } : {}), ...(value ? { value: sqlType(value) } : {}) };
  }
  return { name, text, nullable: !notNull };
}

export function expression(ctx: Ctx, node: P.ExpressionContext | P.BooleanExpressionContext | P.ValueExpressionContext | P.PrimaryExpressionContext): Expr {
  if (node instanceof P.ExpressionContext) return expression(ctx, node.booleanExpression());
  // boolean level
  if (node instanceof P.LogicalNotContext) return { k: 'not', e: expression(ctx, node.booleanExpression()) };
  if (node instanceof P.LogicalBinaryContext) {
    const [l, r] = node.booleanExpression();
    return { k: node.KW_AND() ? 'and' : 'or', l: expression(ctx, l!), r: expression(ctx, r!) };
  }
  if (node instanceof P.LogicalNestedContext) {
    if (node.KW_UNKNOWN()) throw unsupported(ctx, node, 'IS UNKNOWN');
    const what = node.KW_TRUE() ? 'TRUE' : node.KW_FALSE() ? 'FALSE' : 'NULL';
    return { k: 'is', e: expression(ctx, node.booleanExpression()), what, not: node.KW_NOT() !== null };
  }
  if (node instanceof P.ExistsContext) throw unsupported(ctx, node, 'EXISTS (a subquery)');
  if (node instanceof P.PredicatedContext) {
    const value = expression(ctx, node.valueExpression());
    const pred = node.predicate();
    return pred ? predicate(ctx, value, pred) : value;
  }
  // value level
  if (node instanceof P.ValueExpressionDefaultContext) return expression(ctx, node.primaryExpression());
  if (node instanceof P.ComparisonContext) {
    const op = node.comparisonOperator().getText();
    const [l, r] = node.valueExpression();
    const norm = op === '!=' ? '<>' : op;
    if (!['=', '<>', '<', '<=', '>', '>='].includes(norm)) throw unsupported(ctx, node, `the operator ${op}`);
    return { k: 'cmp', op: norm as '=', l: expression(ctx, l!), r: expression(ctx, r!) };
  }
  if (node instanceof P.ArithmeticBinaryContext) {
    const [l, r] = node.valueExpression();
    const op = node.ADD_SIGN() ? '+' : node.HYPHEN_SIGN() ? '-' : node.ASTERISK_SIGN() ? '*' : node.SLASH_SIGN() ? '/' : node.PERCENT_SIGN() ? '%' : node.DOUBLE_VERTICAL_SIGN() ? '||' : undefined;
    if (!op) throw unsupported(ctx, node, 'this operator');
    return { k: 'arith', op, l: expression(ctx, l!), r: expression(ctx, r!) };
  }
  if (node instanceof P.ArithmeticUnaryContext) {
    if (node.BIT_NOT_OP()) throw unsupported(ctx, node, 'the operator ~');
    const e = expression(ctx, node.valueExpression());
    return node.HYPHEN_SIGN() ? { k: 'neg', e } : e;
  }
  // primary level
  if (node instanceof P.ParenthesizedExpressionContext) return expression(ctx, node.expression());
  if (node instanceof P.ColumnReferenceContext) {
    const uid = node.columnNamePath().uid();
    return { k: 'col', path: pathText(uid.identifier()), text: node.getText() };
  }
  if (node instanceof P.DereferenceContext) {
    const text = node.getText();
    return { k: 'col', path: text.split('.').map((p) => (p.startsWith('`') ? p.slice(1, -1) : p)), text };
  }
  if (node instanceof P.SubscriptContext) return { k: 'subscript', base: expression(ctx, node.primaryExpression()), index: expression(ctx, node.valueExpression()) };
  if (node instanceof P.CastContext) return { k: 'cast', expr: expression(ctx, node.expression()), to: sqlType(node.columnType()), try: false };
  if (node instanceof P.ConstantDefaultContext) return constant(ctx, node.constant());
  if (node instanceof P.SearchedCaseContext || node instanceof P.SimpleCaseContext) {
    const whens = node.whenClause().map((w) => ({ when: expression(ctx, w.expression(0)!), then: expression(ctx, w.expression(1)!) }));
    if (node instanceof P.SimpleCaseContext) {
      const exprs = node.expression();
      const operand = expression(ctx, exprs[0]!);
      const els = node.KW_ELSE() ? exprs[exprs.length - 1] : undefined;
      return { k: 'case', operand, whens, ...(els ? { else: expression(ctx, els) } : {}) };
    }
    const els = node.expression();
    return { k: 'case', whens, ...(els ? { else: expression(ctx, els) } : {}) };
  }
  if (node instanceof P.FunctionCallContext) return functionCall(ctx, node.functionCallExpression());
  throw unsupported(ctx, node, `the expression ${JSON.stringify(sourceText(ctx, node).replace(/\s+/g, ' ').slice(0, 60))}`);
}

function functionCall(ctx: Ctx, f: P.FunctionCallExpressionContext): Expr {
  if (f.reservedKeywordsNoParamsUsedAsFuncName()) throw unsupported(ctx, f, `the function ${f.getText()}`);
  const nameNode = f.functionNameWithParams() ?? f.functionNameAndParams();
  const name = (nameNode?.getText() ?? f.start?.text ?? '?').toUpperCase();
  if (f.setQuantifier()) throw unsupported(ctx, f, `${name}(DISTINCT ...) (aggregation)`);
  if (!SUPPORTED_FUNCTIONS.has(name)) throw unsupported(ctx, f, `the function ${name} (the embedded engine evaluates ${[...SUPPORTED_FUNCTIONS].join(', ')})`);
  const args = f.functionParam().map((p) => {
    const e = p.expression();
    if (!e) throw unsupported(ctx, p, `this argument of ${name}`);
    return expression(ctx, e);
  });
  return { k: 'call', fn: name, args };
}

function constant(ctx: Ctx, c: P.ConstantContext): Expr {
  const s = c.stringLiteral();
  if (s) return { k: 'lit', value: substitute(unquote(s.getText()), ctx.values) };
  if (c.KW_NULL()) return { k: 'lit', value: null };
  const b = c.booleanLiteral();
  if (b) return { k: 'lit', value: b.KW_TRUE() !== null };
  const d = c.decimalLiteral();
  const real = c.REAL_LITERAL();
  if (d || real) {
    const num = `${c.HYPHEN_SIGN() ? '-' : ''}${(d ?? real)!.getText()}`;
    return { k: 'lit', value: Number(num), num };
  }
  throw unsupported(ctx, c, `the literal ${c.getText()}`);
}

function predicate(ctx: Ctx, value: Expr, p: P.PredicateContext): Expr {
  const not = p.KW_NOT() !== null;
  const like = p.likePredicate();
  if (like) {
    if (like.KW_ANY() || like.KW_ALL()) throw unsupported(ctx, like, 'LIKE ANY / LIKE ALL');
    const pattern = like.valueExpression();
    if (!pattern) throw unsupported(ctx, like, 'this LIKE form');
    const esc = like.stringLiteral();
    return { k: 'like', e: value, pattern: expression(ctx, pattern), not: like.KW_NOT() !== null, ...(esc ? { escape: unquote(esc.getText()) } : {}) };
  }
  if (p.KW_BETWEEN()) {
    if (p.KW_SYMMETRIC()) throw unsupported(ctx, p, 'BETWEEN SYMMETRIC');
    const [lo, hi] = p.valueExpression();
    return { k: 'between', e: value, lo: expression(ctx, lo!), hi: expression(ctx, hi!), not };
  }
  if (p.KW_IN()) {
    if (p.queryStatement()) throw unsupported(ctx, p, 'IN (subquery)');
    return { k: 'in', e: value, list: p.expression().map((e) => expression(ctx, e)), not };
  }
  if (p.KW_IS() && !p.KW_DISTINCT() && !p.KW_JSON()) {
    if (p.KW_UNKNOWN()) throw unsupported(ctx, p, 'IS UNKNOWN');
    const what = p.KW_TRUE() ? 'TRUE' : p.KW_FALSE() ? 'FALSE' : 'NULL';
    return { k: 'is', e: value, what, not };
  }
  throw unsupported(ctx, p, `the predicate ${JSON.stringify(sourceText(ctx, p).replace(/\s+/g, ' ').slice(0, 60))}`);
}
