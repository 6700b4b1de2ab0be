/**
 * Expressions of the embedded engine, typed the way Flink types them: the type check at load time (what Flink's
 * validator would refuse) and compilation to closures over a row. Semantics follow Flink SQL 1.20, and every
 * function and operator here has differential cases against Flink (test/integration/router-flink.test.ts):
 * three-valued logic, NULL in -> NULL out, INT as 32-bit and BIGINT as 64-bit two's complement, DECIMAL(p, s) with
 * Flink's precision and scale rules (HALF_UP rounding, NULL on overflow), DOUBLE printed as Java prints it,
 * TIMESTAMP_LTZ printed in the session time zone, strings counted in code points, CAST to VARCHAR(n)/CHAR(n)
 * truncating (and padding).
 *
 * Values in a row: STRING/CHAR -> string, BYTES -> Buffer, BOOLEAN -> boolean, TINYINT/SMALLINT/INT -> number,
 * BIGINT -> bigint, DECIMAL(p, s) -> bigint holding the unscaled value (the scale is the static type's), DOUBLE ->
 * number, TIMESTAMP_LTZ -> epoch milliseconds (number), MAP -> Map, ROW -> plain object, NULL -> null.
 *
 * A value that cannot be evaluated (CAST('x' AS INT), integer division by zero) throws a KamfError
 * ROUTER_EVAL_FAILED, as Flink fails the job.
 */
import { KamfError } from '../core/errors.js';
import type { Expr, SqlType } from './plan.js';
import { lookupRows } from './lookup-state.js';

export type Row = Readonly<Record<string, unknown>>;
export type Compiled = (row: Row) => unknown;

const T = (name: string, extra: Partial<SqlType> = {}): SqlType => ({ name, text: name, nullable: true, ...extra });
const UNKNOWN = T('UNKNOWN');
const STRING = T('STRING');
const BOOLEAN = T('BOOLEAN');
const INTEGRAL_BITS: Record<string, number> = { TINYINT: 8, SMALLINT: 16, INT: 32, BIGINT: 64 };
const INTEGRAL_PRECISION: Record<string, number> = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 };
const isIntegral = (t: SqlType) => t.name in INTEGRAL_BITS;
const isNumeric = (t: SqlType) => isIntegral(t) || t.name === 'DECIMAL' || t.name === 'DOUBLE' || t.name === 'FLOAT';
const isString = (t: SqlType) => t.name === 'STRING' || t.name === 'CHAR';
const isOpen = (t: SqlType) => t.name === 'UNKNOWN' || t.name === 'NULL';
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

function literalType(e: Extract<Expr, { k: 'lit' }>): SqlType {
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

// ---- values ---------------------------------------------------------------------------------------------------

const pow10 = (n: number) => 10n ** BigInt(n);
const evalError = (m: string) => new KamfError('ROUTER_EVAL_FAILED', m);

/** Rounds unscaled `u` from scale `from` to scale `to`, HALF_UP (away from zero at .5), as BigDecimal does. */
function rescale(u: bigint, from: number, to: number): bigint {
  if (to >= from) return u * pow10(to - from);
  const d = pow10(from - to);
  const q = u / d;
  const r = u % d;
  const twice = (r < 0n ? -r : r) * 2n;
  return twice >= d ? q + (u < 0n ? -1n : 1n) : q;
}

/** NULL when the value does not fit DECIMAL(p, s) (Flink gives NULL on decimal overflow). */
const fits = (u: bigint, t: SqlType): bigint | null => ((u < 0n ? -u : u) < pow10(t.precision!) ? u : null);

function decimalText(u: bigint, scale: number): string {
  const neg = u < 0n;
  const digits = (neg ? -u : u).toString().padStart(scale + 1, '0');
  const s = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${s}` : s;
}

/** A decimal string -> unscaled at `scale` (HALF_UP), or undefined when it is not a number. */
function parseDecimal(s: string, scale: number): bigint | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let u = BigInt(`${m[2] || '0'}${frac}` || '0');
  let sc = frac.length - Number(m[4] ?? 0);
  if (sc < 0) {
    u *= pow10(-sc);
    sc = 0;
  }
  const r = rescale(u, sc, scale);
  return m[1] === '-' ? -r : r;
}

/** Java's Double.toString: 1.0, 0.25, 1.0E20, 1.0E-5, NaN, Infinity. */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, exp] = d.toExponential().split('e') as [string, string];
  return `${mant.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

/** TIMESTAMP_LTZ(p) as Flink prints it: `yyyy-MM-dd HH:mm:ss[.fff]` in the session time zone. */
export function timestampText(ms: number, precision: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  const frac = precision > 0 ? `.${millis.padEnd(precision, '0').slice(0, precision)}` : '';
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}${frac}`;
}

export interface EvalSettings {
  /** `table.local-time-zone`: how TIMESTAMP_LTZ values print. Default UTC. */
  timeZone?: string;
}

/** A value of type `t` as CAST(x AS STRING) prints it in Flink (and as the SQL Client shows it). */
export function renderValue(v: unknown, t: SqlType, s: EvalSettings = {}): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (t.name === 'DECIMAL' && typeof v === 'bigint') return decimalText(v, t.scale ?? 0);
  if (typeof v === 'bigint') return v.toString();
  if (t.name === 'TIMESTAMP_LTZ' && typeof v === 'number') return timestampText(v, t.precision ?? 3, s.timeZone ?? 'UTC');
  if (typeof v === 'number') return t.name === 'DOUBLE' || t.name === 'FLOAT' || !Number.isInteger(v) ? javaDouble(v) : String(v);
  return JSON.stringify(v);
}

/** Any numeric value as a JS number (DOUBLE arithmetic). */
function toNumber(v: unknown, t: SqlType): number {
  if (typeof v === 'bigint') return t.name === 'DECIMAL' ? Number(decimalText(v, t.scale ?? 0)) : Number(v);
  return Number(v);
}

/** An exact value (integral or decimal) as unscaled at `scale`. */
function toUnscaled(v: unknown, t: SqlType, scale: number): bigint {
  if (t.name === 'DECIMAL') return rescale(v as bigint, t.scale ?? 0, scale);
  return BigInt(v as number | bigint) * pow10(scale);
}

function wrap(n: bigint, bits: number): number | bigint {
  const w = BigInt.asIntN(bits, n);
  return bits === 64 ? w : Number(w);
}

/** Converts a value of type `from` to the representation of type `to` (the implicit widening of CASE, COALESCE, IN). */
export function coerce(v: unknown, from: SqlType, to: SqlType): unknown {
  if (v === null || v === undefined || from.name === to.name && (to.name !== 'DECIMAL' || from.scale === to.scale)) return v ?? null;
  if (to.name === 'DOUBLE' && isNumeric(from)) return toNumber(v, from);
  if (to.name === 'DECIMAL' && (isIntegral(from) || from.name === 'DECIMAL')) return toUnscaled(v, from, to.scale ?? 0);
  if (to.name === 'BIGINT' && isIntegral(from)) return BigInt(v as number);
  return v;
}

/** CAST(v AS to), Flink's rules; `TRY_CAST` gives NULL where CAST fails. */
export function castValue(v: unknown, from: SqlType, to: SqlType, s: EvalSettings = {}): unknown {
  if (v === null || v === undefined) return null;
  const fail = () => evalError(`CAST(${JSON.stringify(renderValue(v, from, s))} AS ${to.text}) failed`);
  switch (to.name) {
    case 'STRING':
    case 'CHAR': {
      let str = renderValue(v, from, s)!;
      if (to.length !== undefined) {
        const cps = [...str];
        str = cps.length > to.length ? cps.slice(0, to.length).join('') : to.name === 'CHAR' ? str + ' '.repeat(to.length - cps.length) : str;
      }
      return str;
    }
    case 'BYTES':
      return Buffer.isBuffer(v) ? v : Buffer.from(renderValue(v, from, s)!, 'utf8');
    case 'BOOLEAN': {
      if (typeof v === 'boolean') return v;
      if (isNumeric(from)) return toNumber(v, from) !== 0;
      const str = String(v).trim().toLowerCase();
      if (['true', 't', 'yes', 'y', '1'].includes(str)) return true;
      if (['false', 'f', 'no', 'n', '0'].includes(str)) return false;
      throw fail();
    }
    case 'DOUBLE': {
      if (isNumeric(from)) return toNumber(v, from);
      if (typeof v === 'boolean') return v ? 1 : 0;
      const str = String(v).trim();
      const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(str) ? Number(str) : /^[+-]?(NaN|Infinity)$/.test(str) ? Number(str) : undefined;
      if (n === undefined) throw fail();
      return n;
    }
    case 'DECIMAL': {
      const scale = to.scale ?? 0;
      let u: bigint | undefined;
      if (isIntegral(from) || from.name === 'DECIMAL') u = toUnscaled(v, from, scale);
      else if (typeof v === 'boolean') u = v ? pow10(scale) : 0n;
      else if (typeof v === 'number') u = Number.isFinite(v) ? parseDecimal(v.toPrecision(17), scale) : undefined;
      else u = parseDecimal(String(v), scale);
      if (u === undefined) throw fail();
      return fits(u, to);
    }
    default: {
      const bits = INTEGRAL_BITS[to.name];
      if (!bits) throw fail();
      if (typeof v === 'boolean') return wrap(v ? 1n : 0n, bits);
      if (isIntegral(from)) return wrap(BigInt(v as number | bigint), bits);
      if (from.name === 'DECIMAL') return wrap((v as bigint) / pow10(from.scale ?? 0), bits);
      if (typeof v === 'number') {
        if (Number.isNaN(v)) return wrap(0n, bits);
        // Java's (int) / (long) cast of a double saturates at that range; (short) and (byte) then wrap the int
        const limit = 2n ** BigInt(bits === 64 ? 63 : 31);
        const t = Number.isFinite(v) ? BigInt(Math.trunc(v)) : v > 0 ? limit - 1n : -limit;
        return wrap(t >= limit ? limit - 1n : t < -limit ? -limit : t, bits);
      }
      const str = String(v).trim();
      if (!/^[+-]?\d+$/.test(str)) throw fail();
      const n = BigInt(str);
      if (n !== BigInt.asIntN(bits, n)) throw fail();
      return wrap(n, bits);
    }
  }
}

/** Compares two non-null values of comparable types: negative, zero or positive. */
function compareValues(a: unknown, ta: SqlType, b: unknown, tb: SqlType): number {
  if (isNumeric(ta) && isNumeric(tb)) {
    if (ta.name === 'DOUBLE' || tb.name === 'DOUBLE' || ta.name === 'FLOAT' || tb.name === 'FLOAT') {
      const x = toNumber(a, ta);
      const y = toNumber(b, tb);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const scale = Math.max(ta.name === 'DECIMAL' ? ta.scale! : 0, tb.name === 'DECIMAL' ? tb.scale! : 0);
    const x = toUnscaled(a, ta, scale);
    const y = toUnscaled(b, tb, scale);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : String(a);
  const sb = typeof b === 'string' ? b : String(b);
  // Flink compares strings by their UTF-8 bytes, which orders like code points
  return sa === sb ? 0 : compareUtf8(sa, sb);
}

/**
 * Two strings in the order of their UTF-8 bytes. Where they first differ in a character below the surrogates
 * (and not right after a high surrogate), UTF-8 orders them as the UTF-16 units do, so no bytes are made; anything
 * else (surrogates, which UTF-8 encodes differently, lone ones as U+FFFD) is compared as bytes.
 */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const x = i < a.length ? a.charCodeAt(i) : -1;
  const y = i < b.length ? b.charCodeAt(i) : -1;
  const afterHigh = i > 0 && (a.charCodeAt(i - 1) & 0xfc00) === 0xd800;
  if (x < 0xd800 && y < 0xd800 && !afterHigh) return x < y ? -1 : x > y ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A constant LIKE pattern `%text%`, `text%` or `%text` as a string test, which matches what likeToRegExp's regular
 * expression matches when `text` holds no wildcard, no escape character and no surrogate (a match then starts and
 * ends on character boundaries); undefined for any other pattern.
 */
function likeAsStringTest(pattern: string, escape?: string): ((s: string) => boolean) | undefined {
  const m = /^(%?)([^%_]+)(%?)$/.exec(pattern);
  if (!m || (!m[1] && !m[3])) return undefined;
  const text = m[2]!;
  if ((escape && pattern.includes(escape)) || /[\uD800-\uDFFF]/.test(text)) return undefined;
  if (m[1] && m[3]) return (s) => s.includes(text);
  return m[1] ? (s) => s.endsWith(text) : (s) => s.startsWith(text);
}

/** LIKE pattern -> RegExp (Flink: case-sensitive, % any run, _ one code point, optional escape character). */
export function likeToRegExp(pattern: string, escape?: string): RegExp {
  let out = '';
  const cps = [...pattern];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (escape && c === escape && i + 1 < cps.length) out += cps[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'u');
}

const and3 = (a: unknown, b: () => unknown): boolean | null => {
  if (a === false) return false;
  const bv = b();
  if (bv === false) return false;
  return a === true && bv === true ? true : null;
};
const not3 = (a: unknown): boolean | null => (a === null || a === undefined ? null : !a);

/** Compiles an expression (columns already bound to the relation) to a closure over a row. */
export function compile(e: Expr, typeOf: (x: Expr) => SqlType = () => UNKNOWN, settings: EvalSettings = {}): Compiled {
  const c = (x: Expr) => compile(x, typeOf, settings);
  /** A sub-expression compiled and converted to `to`. */
  const as = (x: Expr, to: SqlType): Compiled => {
    const f = c(x);
    const from = typeOf(x);
    return (row) => coerce(f(row), from, to);
  };
  switch (e.k) {
    case 'col': {
      const [head, ...rest] = e.path;
      if (rest.length === 0) return (row) => row[head!] ?? null;
      return (row) => {
        let v: unknown = row[head!];
        for (const p of rest) v = v && typeof v === 'object' ? ((v as Record<string, unknown>)[p] ?? null) : null;
        return v ?? null;
      };
    }
    case 'lit': {
      const t = literalType(e);
      const v = t.name === 'DECIMAL' ? parseDecimal(e.num!, t.scale!)! : t.name === 'BIGINT' ? BigInt(e.num!) : e.value;
      return () => v;
    }
    case 'subscript': {
      const base = c(e.base);
      const index = c(e.index);
      return (row) => {
        const b = base(row);
        const i = index(row);
        if (b === null || i === null) return null;
        if (b instanceof Map) return b.get(String(i)) ?? null;
        if (Array.isArray(b)) return b[Number(i) - 1] ?? null;
        return null;
      };
    }
    case 'cast': {
      const inner = c(e.expr);
      const from = typeOf(e.expr);
      const { to } = e;
      if (to.name === 'STRING' && to.length === undefined) {
        // text and bytes to STRING (header values): what castValue renders them as, without its set-up per value
        return (row) => {
          const v = inner(row);
          if (v === null || v === undefined) return null;
          if (typeof v === 'string') return v;
          if (Buffer.isBuffer(v)) return v.toString('utf8');
          if (!e.try) return castValue(v, from, to, settings);
          try {
            return castValue(v, from, to, settings);
          } catch {
            return null;
          }
        };
      }
      if (e.try) {
        return (row) => {
          try {
            return castValue(inner(row), from, to, settings);
          } catch {
            return null;
          }
        };
      }
      return (row) => castValue(inner(row), from, to, settings);
    }
    case 'call':
      return call(e, typeOf, c, as);
    case 'cmp': {
      const [tl, tr] = [typeOf(e.l), typeOf(e.r)];
      const l = c(e.l);
      const r = c(e.r);
      const test = { '=': (n: number) => n === 0, '<>': (n: number) => n !== 0, '<': (n: number) => n < 0, '<=': (n: number) => n <= 0, '>': (n: number) => n > 0, '>=': (n: number) => n >= 0 }[e.op];
      return (row) => {
        const a = l(row);
        const b = r(row);
        if (a === null || a === undefined || b === null || b === undefined) return null;
        return test(compareValues(a, tl, b, tr));
      };
    }
    case 'and': {
      const l = c(e.l);
      const r = c(e.r);
      // and3 inlined: no closure per evaluation
      return (row) => {
        const a = l(row);
        if (a === false) return false;
        const b = r(row);
        if (b === false) return false;
        return a === true && b === true ? true : null;
      };
    }
    case 'or': {
      const l = c(e.l);
      const r = c(e.r);
      // three-valued OR without a closure per evaluation
      return (row) => {
        const a = l(row);
        if (a === true) return true;
        const b = r(row);
        if (b === true) return true;
        return a === false && b === false ? false : null;
      };
    }
    case 'not': {
      const inner = c(e.e);
      return (row) => not3(inner(row));
    }
    case 'in': {
      const tv = typeOf(e.e);
      const v = c(e.e);
      const list = e.list.map((x) => ({ f: c(x), t: typeOf(x) }));
      const not = e.not;
      return (row) => {
        const x = v(row);
        if (x === null) return null;
        let sawNull = false;
        for (const item of list) {
          const y = item.f(row);
          if (y === null) sawNull = true;
          else if (compareValues(x, tv, y, item.t) === 0) return !not;
        }
        return sawNull ? null : not;
      };
    }
    case 'like': {
      const v = c(e.e);
      // Flink's generated code turns a constant pattern without wildcards into a prefix test: '' matches anything
      const constant = e.pattern.k === 'lit' && typeof e.pattern.value === 'string' ? (e.pattern.value === '' ? /^/u : likeToRegExp(e.pattern.value, e.escape)) : undefined;
      const pattern = c(e.pattern);
      const { not, escape } = e;
      const test = constant && e.pattern.k === 'lit' && typeof e.pattern.value === 'string' ? likeAsStringTest(e.pattern.value, escape) : undefined;
      if (test) {
        return (row) => {
          const s = v(row);
          return s === null ? null : test(String(s)) !== not;
        };
      }
      return (row) => {
        const s = v(row);
        if (s === null) return null;
        let re = constant;
        if (!re) {
          const p = pattern(row);
          if (p === null) return null;
          re = likeToRegExp(String(p), escape);
        }
        return re.test(String(s)) !== not;
      };
    }
    case 'between': {
      const [tv, tlo, thi] = [typeOf(e.e), typeOf(e.lo), typeOf(e.hi)];
      const v = c(e.e);
      const lo = c(e.lo);
      const hi = c(e.hi);
      const not = e.not;
      return (row) => {
        const x = v(row);
        const a = lo(row);
        const b = hi(row);
        const r = and3(x === null || a === null ? null : compareValues(a, tlo, x, tv) <= 0, () => (x === null || b === null ? null : compareValues(x, tv, b, thi) <= 0));
        return not ? not3(r) : r;
      };
    }
    case 'is': {
      const v = c(e.e);
      const { what, not } = e;
      return (row) => {
        const x = v(row) ?? null;
        const r = what === 'NULL' ? x === null : what === 'TRUE' ? x === true : x === false;
        return r !== not;
      };
    }
    case 'case': {
      const result = typeOf(e);
      const to = result.name === 'CHAR' ? STRING : result;
      const operand = e.operand ? c(e.operand) : undefined;
      const to0 = e.operand ? typeOf(e.operand) : UNKNOWN;
      const whens = e.whens.map((w) => ({ when: c(w.when), whenType: typeOf(w.when), then: as(w.then, to) }));
      const els = e.else ? as(e.else, to) : () => null;
      const pad = result.name === 'CHAR' && result.length !== undefined ? result.length : undefined;
      return (row) => {
        const o = operand?.(row);
        let out: unknown = undefined;
        for (const w of whens) {
          const wv = w.when(row);
          const hit = operand ? o !== null && o !== undefined && wv !== null && compareValues(o, to0, wv, w.whenType) === 0 : wv === true;
          if (hit) {
            out = w.then(row);
            break;
          }
        }
        if (out === undefined) out = els(row);
        return pad !== undefined && typeof out === 'string' ? out.padEnd(pad, ' ') : out;
      };
    }
    case 'arith': {
      const l = c(e.l);
      const r = c(e.r);
      const [tl, tr] = [typeOf(e.l), typeOf(e.r)];
      if (e.op === '||') {
        return (row) => {
          const a = l(row);
          const b = r(row);
          return a === null || b === null ? null : renderValue(a, tl, settings)! + renderValue(b, tr, settings)!;
        };
      }
      return arithmetic(e.op, l, tl, r, tr);
    }
    case 'neg': {
      const inner = c(e.e);
      const t = typeOf(e.e);
      return (row) => {
        const v = inner(row);
        if (v === null) return null;
        if (typeof v === 'bigint') return t.name === 'BIGINT' ? BigInt.asIntN(64, -v) : -v;
        return isIntegral(t) ? wrap(-BigInt(v as number), INTEGRAL_BITS[t.name]!) : -(v as number);
      };
    }
    case 'lookup': {
      const key = c(e.key);
      const rows = lookupRows(e.ref);
      const column = e.column;
      if (column === undefined) {
        return (row) => {
          const k = key(row);
          return k !== null && rows.has(String(k));
        };
      }
      return (row) => {
        const k = key(row);
        return k === null ? null : (rows.get(String(k))?.[column] ?? null);
      };
    }
  }
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%', l: Compiled, tl: SqlType, r: Compiled, tr: SqlType): Compiled {
  if (isOpen(tl) || isOpen(tr)) return () => null;
  const out = arithmeticType(op, tl, tr);
  if (out.name === 'DOUBLE') {
    return (row) => {
      const a = l(row);
      const b = r(row);
      if (a === null || b === null) return null;
      const x = toNumber(a, tl);
      const y = toNumber(b, tr);
      return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
    };
  }
  if (isIntegral(out)) {
    const bits = INTEGRAL_BITS[out.name]!;
    return (row) => {
      const a = l(row);
      const b = r(row);
      if (a === null || b === null) return null;
      const x = BigInt(a as number | bigint);
      const y = BigInt(b as number | bigint);
      if ((op === '/' || op === '%') && y === 0n) throw evalError('division by zero');
      return wrap(op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y, bits);
    };
  }
  // DECIMAL
  const [sl, sr, so] = [tl.name === 'DECIMAL' ? tl.scale! : 0, tr.name === 'DECIMAL' ? tr.scale! : 0, out.scale!];
  return (row) => {
    const a = l(row);
    const b = r(row);
    if (a === null || b === null) return null;
    const x = toUnscaled(a, tl, sl);
    const y = toUnscaled(b, tr, sr);
    switch (op) {
      case '+':
      case '-': {
        const s = Math.max(sl, sr);
        const sum = op === '+' ? rescale(x, sl, s) + rescale(y, sr, s) : rescale(x, sl, s) - rescale(y, sr, s);
        return fits(rescale(sum, s, so), out);
      }
      case '*':
        return fits(rescale(x * y, sl + sr, so), out);
      case '/': {
        if (y === 0n) throw evalError('division by zero');
        // x/10^sl / (y/10^sr) at scale so: x * 10^(so - sl + sr) / y, rounded HALF_UP (one more digit, then round)
        const shift = so - sl + sr + 1;
        const num = shift >= 0 ? x * pow10(shift) : x / pow10(-shift);
        return fits(rescale(num / y, so + 1, so), out);
      }
      case '%': {
        if (y === 0n) throw evalError('division by zero');
        const s = Math.max(sl, sr);
        return fits(rescale(rescale(x, sl, s) % rescale(y, sr, s), s, so), out);
      }
    }
  };
}

/** A string as it comes back from UTF-8 in Java: an unpaired surrogate becomes '?'. */
const javaUtf8 = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?');

/** Code points of a string: what Flink's string functions count. */
const cps = (s: string) => [...s];

function call(e: Extract<Expr, { k: 'call' }>, typeOf: (x: Expr) => SqlType, c: (x: Expr) => Compiled, as: (x: Expr, to: SqlType) => Compiled): Compiled {
  const args = e.args.map(c);
  const strict = (f: (...s: string[]) => unknown): Compiled => {
    // one and two arguments (most calls) without an array and a spread per evaluation
    if (args.length === 1) {
      const [a] = args as [Compiled];
      return (row) => {
        const v = a(row);
        return v === null || v === undefined ? null : f(String(v));
      };
    }
    if (args.length === 2) {
      const [a, b] = args as [Compiled, Compiled];
      return (row) => {
        const v = a(row);
        if (v === null || v === undefined) return null;
        const w = b(row);
        return w === null || w === undefined ? null : f(String(v), String(w));
      };
    }
    return (row) => {
      const s: string[] = [];
      for (const a of args) {
        const v = a(row);
        if (v === null || v === undefined) return null;
        s.push(String(v));
      }
      return f(...s);
    };
  };
  switch (e.fn) {
    case 'LOWER':
      return strict((s) => s.toLowerCase());
    case 'UPPER':
      return strict((s) => s.toUpperCase());
    case 'TRIM':
      return strict((s) => s.replace(/^ +| +$/g, ''));
    case 'LTRIM':
      return strict((s) => s.replace(/^ +/, ''));
    case 'RTRIM':
      return strict((s) => s.replace(/ +$/, ''));
    case 'REPLACE':
      // Java's String.replace: an empty search string matches before, between and after every character
      // (between UTF-16 units, so Flink's UTF-8 strings get '?' for the halves of a character beyond the BMP)
      return strict((s, from, to) => (from === '' ? (s === '' ? to : javaUtf8(`${to}${s.split('').join(to)}${to}`)) : s.split(from).join(to)));
    case 'CONCAT':
      return strict((...s) => s.join(''));
    case 'CONCAT_WS':
      return (row) => {
        const [sep, ...rest] = args.map((a) => a(row));
        return sep === null ? null : rest.filter((x) => x !== null).map(String).join(String(sep));
      };
    case 'SUBSTRING':
    case 'SUBSTR':
      return (row) => {
        const [s, start, len] = args.map((a) => a(row));
        if (s === null || start === null || len === null) return null;
        const chars = cps(String(s));
        const n = chars.length;
        const length = len === undefined ? Infinity : Number(len);
        if (length < 0) return null;
        // Flink's BinaryStringDataUtil.substringSQL: a negative start counts from the end
        const pos = Number(start);
        const from = pos > 0 ? pos - 1 : pos < 0 ? n + pos : 0;
        if (from < 0 || from >= n) return '';
        return chars.slice(from, from + length).join('');
      };
    case 'SPLIT_INDEX':
      return (row) => {
        const [s, delim, idx] = args.map((a) => a(row));
        if (s === null || delim === null || idx === null) return null;
        const i = Number(idx);
        if (i < 0) return null;
        // commons-lang's splitByWholeSeparatorPreserveAllTokens, as Flink: an empty separator splits at whitespace
        const d = String(delim);
        if (s === '') return null;
        return (d === '' ? String(s).split(/\s/) : String(s).split(d))[i] ?? null;
      };
    case 'COALESCE':
    case 'IFNULL': {
      const to = typeOf(e);
      const conv = e.args.map((x) => as(x, to.name === 'CHAR' ? STRING : to));
      return (row) => {
        for (const a of conv) {
          const v = a(row);
          if (v !== null && v !== undefined) return v;
        }
        return null;
      };
    }
    case 'NULLIF': {
      const [ta, tb] = [typeOf(e.args[0]!), typeOf(e.args[1]!)];
      return (row) => {
        const a = args[0]!(row);
        const b = args[1]!(row);
        return a !== null && b !== null && compareValues(a, ta, b, tb) === 0 ? null : a;
      };
    }
    default:
      throw new KamfError('ROUTER_SQL_UNSUPPORTED', `function ${e.fn} has no implementation: run it on Flink`); // the planner refuses unknown functions first
  }
}
