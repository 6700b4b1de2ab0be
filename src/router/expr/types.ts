/**
 * Flink's types for the embedded engine's expressions (see ../expr.ts): literals, implicit casts, DECIMAL precision
 * and scale, and the type check Flink's validator makes.
 */
import type { Expr, SqlType } from '../plan.js';

export type Row = Readonly<Record<string, unknown>>;
export type Compiled = (row: Row) => unknown;

const T = (name: string, extra: Partial<SqlType> = {}): SqlType => ({ name, text: name, nullable: true, ...extra });
export const UNKNOWN = T('UNKNOWN');
export const STRING = T('STRING');
const BOOLEAN = T('BOOLEAN');
export const INTEGRAL_BITS: Record<string, number> = { TINYINT: 8, SMALLINT: 16, INT: 32, BIGINT: 64 };
const INTEGRAL_PRECISION: Record<string, number> = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 };
export const isIntegral = (t: SqlType) => t.name in INTEGRAL_BITS;
export const isNumeric = (t: SqlType) => isIntegral(t) || t.name === 'DECIMAL' || t.name === 'DOUBLE' || t.name === 'FLOAT';
const isString = (t: SqlType) => t.name === 'STRING' || t.name === 'CHAR';
export const isOpen = (t: SqlType) => t.name === 'UNKNOWN' || t.name === 'NULL';
const CAST_TARGETS = new Set(['STRING', 'BYTES', 'BOOLEAN', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'DOUBLE', 'DECIMAL']);
/** Functions whose arguments must be character strings (Flink has no implicit number -> string cast). */
const STRING_FUNCTIONS = new Set(['LOWER', 'UPPER', 'TRIM', 'LTRIM', 'RTRIM', 'REPLACE', 'CONCAT', 'CONCAT_WS', 'SPLIT_INDEX']);

/** The scalar functions the embedded engine evaluates; anything else is refused with "run it on Flink". */
export const FUNCTIONS = ['LOWER', 'UPPER', 'TRIM', 'LTRIM', 'RTRIM', 'REPLACE', 'CONCAT', 'CONCAT_WS', 'SUBSTRING', 'SUBSTR', 'SPLIT_INDEX', 'COALESCE', 'IFNULL', 'NULLIF'] as const;

export const decimalType = (precision: number, scale: number): SqlType => T('DECIMAL', { precision, scale, text: `DECIMAL(${precision}, ${scale})` });

/** Flink's LogicalTypeMerging.adjustPrecisionScale: at most 38 digits, keeping at least min(scale, 6) of scale. */
function adjust(precision: number, scale: number): SqlType {
  if (precision <= 38) return decimalType(precision, scale);
  const intDigits = precision - scale;
  return decimalType(38, Math.max(38 - intDigits, Math.min(scale, 6)));
}

/** An exact numeric type as DECIMAL (INT -> DECIMAL(10, 0), ...). */
function asDecimal(t: SqlType): SqlType {
  return t.name === 'DECIMAL' ? t : decimalType(INTEGRAL_PRECISION[t.name] ?? 19, 0);
}

export function literalType(e: Extract<Expr, { k: 'lit' }>): SqlType {
  if (e.value === null) return T('NULL');
  if (typeof e.value === 'string') return STRING;
  if (typeof e.value === 'boolean') return BOOLEAN;
  const num = (e.num ?? String(e.value)).replace(/^-/, '');
  if (/e/i.test(num)) return T('DOUBLE');
  if (!num.includes('.')) {
    const n = BigInt(num);
    return n <= 2147483647n ? T('INT') : n <= 9223372036854775807n ? T('BIGINT') : decimalType(num.length, 0);
  }
  const [int = '', frac = ''] = num.split('.');
  const digits = (int.replace(/^0+/, '') + frac).length;
  return decimalType(Math.max(digits, frac.length, 1), frac.length);
}

/** The common type of CASE branches, COALESCE arguments, IN lists (Calcite's leastRestrictive, as Flink uses it). */
export function commonType(types: SqlType[]): SqlType {
  const known = types.filter((t) => !isOpen(t));
  if (known.length === 0) return types.find((t) => t.name === 'UNKNOWN') ?? T('NULL');
  if (known.every(isString)) {
    const lengths = known.map((t) => t.length);
    return lengths.every((l) => l !== undefined) && known.every((t) => t.name === 'CHAR') ? T('CHAR', { length: Math.max(...(lengths as number[])) }) : STRING;
  }
  if (known.every(isNumeric)) {
    if (known.some((t) => t.name === 'DOUBLE' || t.name === 'FLOAT')) return T('DOUBLE');
    if (known.every(isIntegral)) return known.reduce((a, b) => (INTEGRAL_BITS[b.name]! > INTEGRAL_BITS[a.name]! ? b : a));
    const ds = known.map(asDecimal);
    const scale = Math.max(...ds.map((d) => d.scale!));
    const intDigits = Math.max(...ds.map((d) => d.precision! - d.scale!));
    return decimalType(Math.min(38, intDigits + scale), scale);
  }
  return known[0]!;
}

/** The result type of an arithmetic operator (Flink's rules for exact and approximate numbers). */
export function arithmeticType(op: '+' | '-' | '*' | '/' | '%', l: SqlType, r: SqlType): SqlType {
  if (l.name === 'DOUBLE' || r.name === 'DOUBLE' || l.name === 'FLOAT' || r.name === 'FLOAT') return T('DOUBLE');
  if (isIntegral(l) && isIntegral(r)) return op === '%' ? T(r.name) : INTEGRAL_BITS[l.name]! >= INTEGRAL_BITS[r.name]! ? T(l.name) : T(r.name);
  const a = asDecimal(l);
  const b = asDecimal(r);
  const [p1, s1, p2, s2] = [a.precision!, a.scale!, b.precision!, b.scale!];
  switch (op) {
    case '+':
    case '-': {
      const scale = Math.max(s1, s2);
      return adjust(Math.max(p1 - s1, p2 - s2) + scale + 1, scale);
    }
    case '*':
      return adjust(p1 + p2 + 1, s1 + s2);
    case '/': {
      const scale = Math.max(6, s1 + p2 + 1);
      return adjust(p1 - s1 + s2 + scale, scale);
    }
    case '%': {
      const scale = Math.max(s1, s2);
      return adjust(Math.min(p1 - s1, p2 - s2) + scale, scale);
    }
  }
}

type Kind = 'S' | 'B' | 'N' | 'T' | 'Z' | '?' | 'O';
const kindOf = (t: SqlType): Kind =>
  isString(t) ? 'S' : t.name === 'BYTES' ? 'B' : isNumeric(t) ? 'N' : t.name === 'TIMESTAMP_LTZ' ? 'T' : t.name === 'BOOLEAN' ? 'Z' : isOpen(t) ? '?' : 'O';

/** Static type of an expression; `onError` (if given) is called with a message for what Flink would refuse. */
export function inferType(e: Expr, lookup: (path: string[]) => SqlType | undefined, onError?: (message: string) => void): SqlType {
  const fail = (m: string) => onError?.(m);
  const t = (x: Expr) => inferType(x, lookup, onError);
  const stringy = (x: Expr, where: string) => {
    const ty = t(x);
    if (ty.name === 'BYTES') fail(`${where} needs a STRING, but ${exprText(x)} is BYTES: write CAST(${exprText(x)} AS STRING)`);
    else if (!isString(ty) && !isOpen(ty)) fail(`${where} needs a STRING, but ${exprText(x)} is ${ty.name} (Flink casts nothing to STRING implicitly): write CAST(${exprText(x)} AS STRING)`);
    return ty;
  };
  const comparable = (a: Expr, b: Expr, what: string) => {
    const ta = t(a);
    const tb = t(b);
    const [ka, kb] = [kindOf(ta), kindOf(tb)];
    if (ka !== '?' && kb !== '?' && ka !== kb && ka !== 'O' && kb !== 'O') {
      const bytes = ka === 'B' ? a : kb === 'B' ? b : undefined;
      fail(`${what}: cannot compare ${ta.name} with ${tb.name} (${exprText(a)} vs ${exprText(b)})` + (bytes ? `: write CAST(${exprText(bytes)} AS STRING)` : ': CAST one side explicitly'));
    }
    return [ta, tb] as const;
  };
  // Flink types a literal as CHAR(its UTF-16 length) and pads by code points where CASE, COALESCE, IFNULL and NULLIF
  // unify types: a literal beyond the BMP there comes back with trailing spaces, which is not emulated
  const wideLiterals = (xs: Expr[], where: string) => {
    const wide = (x: Expr): boolean => (x.k === 'lit' ? typeof x.value === 'string' && /[\uD800-\uDBFF]/.test(x.value) : x.k === 'call' ? x.args.some(wide) : false);
    for (const x of xs) if (wide(x)) fail(`${where} over a string literal with characters beyond the BMP (${exprText(x)}) is outside the embedded engine's subset: run it on Flink`);
  };
  switch (e.k) {
    case 'col':
      return lookup(e.path) ?? UNKNOWN;
    case 'lit':
      return literalType(e);
    case 'subscript': {
      const base = t(e.base);
      t(e.index);
      if (base.name === 'MAP') return base.value ?? UNKNOWN;
      if (base.name !== 'UNKNOWN' && base.name !== 'ARRAY') fail(`${exprText(e.base)} is ${base.name}: only MAP and ARRAY values take [subscripts]`);
      return UNKNOWN;
    }
    case 'cast': {
      const from = t(e.expr);
      if (from.name === 'BYTES' && !isString(e.to) && e.to.name !== 'BYTES') fail(`Flink cannot CAST BYTES to ${e.to.text}: write CAST(CAST(${exprText(e.expr)} AS STRING) AS ${e.to.text})`);
      // CHAR(n) is left out: Flink pads it, and compares it padded against a VARCHAR but not against a literal
      if (!CAST_TARGETS.has(e.to.name)) fail(`CAST to ${e.to.text} is outside the embedded engine's subset: run it on Flink`);
      // Flink prints a DOUBLE with its JVM's Double.toString, which is not the shortest form before JDK 19
      if ((from.name === 'DOUBLE' || from.name === 'FLOAT') && isString(e.to)) fail(`CAST of a DOUBLE to ${e.to.text} prints digits as Flink's JVM does, which the embedded engine cannot match: run it on Flink (${exprText(e)})`);
      return e.to;
    }
    case 'call': {
      const args = e.args.map((a) => (STRING_FUNCTIONS.has(e.fn) && !(e.fn === 'SPLIT_INDEX' && a === e.args[2]) ? stringy(a, e.fn) : t(a)));
      if (e.fn === 'SUBSTRING' || e.fn === 'SUBSTR') {
        stringy(e.args[0]!, e.fn);
        for (const a of e.args.slice(1)) if (!isIntegral(t(a)) && !isOpen(t(a))) fail(`${e.fn} takes integer positions, not ${t(a).name} (${exprText(a)})`);
      }
      if (['COALESCE', 'IFNULL', 'NULLIF'].includes(e.fn)) wideLiterals(e.args, e.fn);
      if (e.fn === 'COALESCE' || e.fn === 'IFNULL') return commonType(args);
      if (e.fn === 'NULLIF') return args[0] ?? UNKNOWN;
      return STRING;
    }
    case 'cmp':
      comparable(e.l, e.r, `'${e.op}'`);
      return BOOLEAN;
    case 'and':
    case 'or':
      t(e.l);
      t(e.r);
      return BOOLEAN;
    case 'not':
      t(e.e);
      return BOOLEAN;
    case 'in':
      for (const x of e.list) comparable(e.e, x, 'IN');
      return BOOLEAN;
    case 'like':
      stringy(e.e, 'LIKE');
      stringy(e.pattern, 'LIKE');
      return BOOLEAN;
    case 'between':
      comparable(e.e, e.lo, 'BETWEEN');
      comparable(e.e, e.hi, 'BETWEEN');
      return BOOLEAN;
    case 'is':
      t(e.e);
      return BOOLEAN;
    case 'case': {
      if (e.operand) for (const w of e.whens) comparable(e.operand, w.when, 'CASE');
      else for (const w of e.whens) t(w.when);
      wideLiterals([...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])], 'CASE');
      return commonType([...e.whens.map((w) => t(w.then)), ...(e.else ? [t(e.else)] : [])]);
    }
    case 'arith': {
      if (e.op === '||') {
        stringy(e.l, '||');
        stringy(e.r, '||');
        return STRING;
      }
      const l = t(e.l);
      const r = t(e.r);
      for (const [x, ty] of [[e.l, l], [e.r, r]] as const) if (!isOpen(ty) && !isNumeric(ty)) fail(`'${e.op}' needs numbers, but ${exprText(x)} is ${ty.name}`);
      if (e.op === '%' && [l, r].some((x) => x.name === 'DOUBLE' || x.name === 'FLOAT')) fail(`'%' needs exact numbers (INT, BIGINT, DECIMAL), as in Flink: ${exprText(e)}`);
      // Flink 1.20's DECIMAL % fails with a NullPointerException on some inputs: nothing to agree with
      else if (e.op === '%' && [l, r].some((x) => x.name === 'DECIMAL')) fail(`'%' of DECIMAL values is outside the embedded engine's subset: run it on Flink (${exprText(e)})`);
      if (isOpen(l) || isOpen(r)) return isOpen(l) ? r : l;
      return arithmeticType(e.op, l, r);
    }
    case 'neg':
      return t(e.e);
    case 'lookup':
      t(e.key);
      return e.type;
  }
}

/** SQL-ish text of an expression, for messages and the plan. */
export function exprText(e: Expr): string {
  switch (e.k) {
    case 'col':
      return e.path.join('.');
    case 'lit':
      return e.value === null ? 'NULL' : typeof e.value === 'string' ? `'${e.value.replaceAll("'", "''")}'` : (e.num ?? String(e.value).toUpperCase());
    case 'subscript':
      return `${exprText(e.base)}[${exprText(e.index)}]`;
    case 'cast':
      return `CAST(${exprText(e.expr)} AS ${e.to.text})`;
    case 'call':
      return `${e.fn}(${e.args.map(exprText).join(', ')})`;
    case 'cmp':
      return `${exprText(e.l)} ${e.op} ${exprText(e.r)}`;
    case 'and':
    case 'or':
      return `(${exprText(e.l)} ${e.k.toUpperCase()} ${exprText(e.r)})`;
    case 'not':
      return `NOT ${exprText(e.e)}`;
    case 'in':
      return `${exprText(e.e)}${e.not ? ' NOT' : ''} IN (${e.list.map(exprText).join(', ')})`;
    case 'like':
      return `${exprText(e.e)}${e.not ? ' NOT' : ''} LIKE ${exprText(e.pattern)}`;
    case 'between':
      return `${exprText(e.e)}${e.not ? ' NOT' : ''} BETWEEN ${exprText(e.lo)} AND ${exprText(e.hi)}`;
    case 'is':
      return `${exprText(e.e)} IS${e.not ? ' NOT' : ''} ${e.what}`;
    case 'case':
      return `CASE${e.operand ? ` ${exprText(e.operand)}` : ''} ${e.whens.map((w) => `WHEN ${exprText(w.when)} THEN ${exprText(w.then)}`).join(' ')}${e.else ? ` ELSE ${exprText(e.else)}` : ''} END`;
    case 'arith':
      return `(${exprText(e.l)} ${e.op} ${exprText(e.r)})`;
    case 'neg':
      return `-${exprText(e.e)}`;
    case 'lookup':
      return e.column === undefined ? `EXISTS(${e.table}[${exprText(e.key)}])` : `${e.table}[${exprText(e.key)}].${e.column}`;
  }
}
