/**
 * Expressions of the embedded engine: a light type check at load time (what Flink's validator would refuse) and
 * compilation to closures over a row. Semantics follow Flink SQL: three-valued logic (a WHERE keeps a row only when
 * its condition is TRUE), NULL in -> NULL out for scalar functions, CAST(BYTES AS STRING) decodes UTF-8,
 * LIKE is case-sensitive with % and _, map subscripts of missing keys are NULL.
 *
 * Values in a row: STRING -> string, BYTES -> Buffer, numbers -> number, BOOLEAN -> boolean, MAP -> Map,
 * ROW (from avro-confluent) -> plain object, TIMESTAMP_LTZ -> epoch millis (number), NULL -> null.
 *
 * A value that cannot be evaluated (e.g. CAST('x' AS INT)) throws a KamfError ROUTER_EVAL_FAILED; the engine
 * dead-letters the record with its message as the reason.
 */
import { KamfError } from '../core/errors.js';
import type { Expr, SqlType } from './plan.js';

export type Row = Readonly<Record<string, unknown>>;
export type Compiled = (row: Row) => unknown;

const T = (name: string): SqlType => ({ name, text: name, nullable: true });
const UNKNOWN = T('UNKNOWN');
const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL']);
const INTEGRAL = new Set(['TINYINT', 'SMALLINT', 'INT', 'BIGINT']);
const CAST_TARGETS = new Set(['STRING', 'BYTES', 'BOOLEAN', ...NUMERIC]);

/** Static type of an expression; `onError` (if given) is called with a message for what Flink would refuse. */
export function inferType(e: Expr, lookup: (path: string[]) => SqlType | undefined, onError?: (message: string) => void): SqlType {
  const fail = (m: string) => onError?.(m);
  const t = (x: Expr) => inferType(x, lookup, onError);
  const stringy = (x: Expr, where: string) => {
    const ty = t(x);
    if (ty.name === 'BYTES') fail(`${where} needs a STRING, but ${exprText(x)} is BYTES: write CAST(${exprText(x)} AS STRING)`);
    return ty;
  };
  const comparable = (a: Expr, b: Expr, what: string) => {
    const ta = t(a);
    const tb = t(b);
    const kinds = [ta, tb].map((x) => (x.name === 'STRING' ? 'S' : x.name === 'BYTES' ? 'B' : NUMERIC.has(x.name) ? 'N' : x.name === 'UNKNOWN' || x.name === 'NULL' ? '?' : 'O'));
    const [ka, kb] = kinds;
    if (ka !== '?' && kb !== '?' && ka !== kb && !(ka === 'O' || kb === 'O')) {
      const bytes = ka === 'B' ? a : kb === 'B' ? b : undefined;
      fail(
        `${what}: cannot compare ${ta.name} with ${tb.name} (${exprText(a)} vs ${exprText(b)})` +
          (bytes ? `: write CAST(${exprText(bytes)} AS STRING)` : ': CAST one side explicitly'),
      );
    }
  };
  switch (e.k) {
    case 'col':
      return lookup(e.path) ?? UNKNOWN;
    case 'lit':
      return e.value === null ? T('NULL') : typeof e.value === 'string' ? T('STRING') : typeof e.value === 'boolean' ? T('BOOLEAN') : Number.isInteger(e.value) ? T('INT') : T('DOUBLE');
    case 'subscript': {
      const base = t(e.base);
      t(e.index);
      if (base.name === 'MAP') return base.value ?? UNKNOWN;
      if (base.name !== 'UNKNOWN' && base.name !== 'ARRAY') fail(`${exprText(e.base)} is ${base.name}: only MAP and ARRAY values take [subscripts]`);
      return UNKNOWN;
    }
    case 'cast': {
      const from = t(e.expr);
      if (from.name === 'BYTES' && e.to.name !== 'STRING' && e.to.name !== 'BYTES') {
        fail(`Flink cannot CAST BYTES to ${e.to.text}: write CAST(CAST(${exprText(e.expr)} AS STRING) AS ${e.to.text})`);
      }
      if (!CAST_TARGETS.has(e.to.name)) fail(`CAST to ${e.to.text} is outside the embedded engine's subset (STRING, BYTES, BOOLEAN and numbers)`);
      return e.to;
    }
    case 'call': {
      const args = e.args.map((a) => (['LOWER', 'UPPER', 'TRIM', 'LTRIM', 'RTRIM', 'CHAR_LENGTH', 'CHARACTER_LENGTH', 'REPLACE', 'CONCAT', 'CONCAT_WS', 'SUBSTRING', 'SUBSTR', 'SPLIT_INDEX'].includes(e.fn) && a.k !== 'lit' ? stringy(a, e.fn) : t(a)));
      if (e.fn === 'CHAR_LENGTH' || e.fn === 'CHARACTER_LENGTH') return T('INT');
      if (e.fn === 'COALESCE' || e.fn === 'IFNULL' || e.fn === 'NULLIF') return args.find((a) => a.name !== 'NULL') ?? UNKNOWN;
      return T('STRING');
    }
    case 'cmp':
      comparable(e.l, e.r, `'${e.op}'`);
      return T('BOOLEAN');
    case 'and':
    case 'or':
      t(e.l);
      t(e.r);
      return T('BOOLEAN');
    case 'not':
      t(e.e);
      return T('BOOLEAN');
    case 'in':
      for (const x of e.list) comparable(e.e, x, 'IN');
      return T('BOOLEAN');
    case 'like':
      stringy(e.e, 'LIKE');
      stringy(e.pattern, 'LIKE');
      return T('BOOLEAN');
    case 'between':
      comparable(e.e, e.lo, 'BETWEEN');
      comparable(e.e, e.hi, 'BETWEEN');
      return T('BOOLEAN');
    case 'is':
      t(e.e);
      return T('BOOLEAN');
    case 'case': {
      if (e.operand) for (const w of e.whens) comparable(e.operand, w.when, 'CASE');
      else for (const w of e.whens) t(w.when);
      const results = [...e.whens.map((w) => t(w.then)), ...(e.else ? [t(e.else)] : [])];
      return results.find((r) => r.name !== 'NULL') ?? UNKNOWN;
    }
    case 'arith': {
      if (e.op === '||') {
        stringy(e.l, '||');
        stringy(e.r, '||');
        return T('STRING');
      }
      const l = t(e.l);
      const r = t(e.r);
      for (const [x, ty] of [[e.l, l], [e.r, r]] as const) {
        if (ty.name !== 'UNKNOWN' && ty.name !== 'NULL' && !NUMERIC.has(ty.name)) fail(`'${e.op}' needs numbers, but ${exprText(x)} is ${ty.name}`);
      }
      return INTEGRAL.has(l.name) && INTEGRAL.has(r.name) ? T('BIGINT') : T('DOUBLE');
    }
    case 'neg':
      return t(e.e);
  }
}

/** SQL-ish text of an expression, for messages and the plan. */
export function exprText(e: Expr): string {
  switch (e.k) {
    case 'col':
      return e.path.join('.');
    case 'lit':
      return e.value === null ? 'NULL' : typeof e.value === 'string' ? `'${e.value.replaceAll("'", "''")}'` : String(e.value).toUpperCase();
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
  }
}

// ---- evaluation -----------------------------------------------------------------------------------------------

function toStr(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function cast(v: unknown, to: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (to.name) {
    case 'STRING':
      return toStr(v);
    case 'BYTES':
      return Buffer.isBuffer(v) ? v : Buffer.from(toStr(v) ?? '', 'utf8');
    case 'BOOLEAN': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      const s = toStr(v)!.trim().toLowerCase();
      if (['true', 't', 'yes', 'y', '1'].includes(s)) return true;
      if (['false', 'f', 'no', 'n', '0'].includes(s)) return false;
      throw new KamfError('ROUTER_EVAL_FAILED', `CAST(${JSON.stringify(s)} AS BOOLEAN) failed`);
    }
    default: {
      if (typeof v === 'number') return INTEGRAL.has(to.name) ? Math.trunc(v) : v;
      const s = toStr(v)!.trim();
      const n = Number(s);
      if (s === '' || Number.isNaN(n)) throw new KamfError('ROUTER_EVAL_FAILED', `CAST(${JSON.stringify(s)} AS ${to.text}) failed: not a number`);
      if (INTEGRAL.has(to.name) && !/^[+-]?\d+$/.test(s)) throw new KamfError('ROUTER_EVAL_FAILED', `CAST(${JSON.stringify(s)} AS ${to.text}) failed: not an integer`);
      return n;
    }
  }
}

function compare(a: unknown, b: unknown): number {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = toStr(a)!;
  const sb = toStr(b)!;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function equal(a: unknown, b: unknown): boolean | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  return compare(a, b) === 0;
}

/** LIKE pattern -> RegExp (Flink: case-sensitive, % any run, _ one character, optional escape character). */
export function likeToRegExp(pattern: string, escape?: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape && c === escape && i + 1 < pattern.length) {
      out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const and3 = (a: unknown, b: () => unknown): boolean | null => {
  if (a === false) return false;
  const bv = b();
  if (bv === false) return false;
  return a === true && bv === true ? true : null;
};
const or3 = (a: unknown, b: () => unknown): boolean | null => {
  if (a === true) return true;
  const bv = b();
  if (bv === true) return true;
  return a === false && bv === false ? false : null;
};
const not3 = (a: unknown): boolean | null => (a === null || a === undefined ? null : !a);

/** Compiles an expression (columns already bound to the relation) to a closure over a row. */
export function compile(e: Expr, typeOf: (x: Expr) => SqlType = () => UNKNOWN): Compiled {
  const c = (x: Expr) => compile(x, typeOf);
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
      const v = e.value;
      return () => v;
    }
    case 'subscript': {
      const base = c(e.base);
      const index = c(e.index);
      return (row) => {
        const b = base(row);
        const i = index(row);
        if (b === null || i === null) return null;
        if (b instanceof Map) return b.get(toStr(i)) ?? null;
        if (Array.isArray(b)) return b[Number(i) - 1] ?? null;
        return null;
      };
    }
    case 'cast': {
      const inner = c(e.expr);
      const to = e.to;
      return (row) => cast(inner(row), to);
    }
    case 'call':
      return call(e.fn, e.args.map(c));
    case 'cmp': {
      const l = c(e.l);
      const r = c(e.r);
      const test = { '=': (n: number) => n === 0, '<>': (n: number) => n !== 0, '<': (n: number) => n < 0, '<=': (n: number) => n <= 0, '>': (n: number) => n > 0, '>=': (n: number) => n >= 0 }[e.op];
      return (row) => {
        const a = l(row);
        const b = r(row);
        if (a === null || a === undefined || b === null || b === undefined) return null;
        return test(compare(a, b));
      };
    }
    case 'and': {
      const l = c(e.l);
      const r = c(e.r);
      return (row) => and3(l(row), () => r(row));
    }
    case 'or': {
      const l = c(e.l);
      const r = c(e.r);
      return (row) => or3(l(row), () => r(row));
    }
    case 'not': {
      const inner = c(e.e);
      return (row) => not3(inner(row));
    }
    case 'in': {
      const v = c(e.e);
      const list = e.list.map(c);
      const not = e.not;
      return (row) => {
        const x = v(row);
        let sawNull = x === null;
        if (!sawNull) {
          for (const item of list) {
            const eq = equal(x, item(row));
            if (eq === true) return !not;
            if (eq === null) sawNull = true;
          }
        }
        return sawNull ? null : not;
      };
    }
    case 'like': {
      const v = c(e.e);
      const constant = e.pattern.k === 'lit' && typeof e.pattern.value === 'string' ? likeToRegExp(e.pattern.value, e.escape) : undefined;
      const pattern = c(e.pattern);
      const { not, escape } = e;
      return (row) => {
        const s = toStr(v(row));
        if (s === null) return null;
        const re = constant ?? (() => {
          const p = toStr(pattern(row));
          return p === null ? undefined : likeToRegExp(p, escape);
        })();
        if (!re) return null;
        return re.test(s) !== not;
      };
    }
    case 'between': {
      const v = c(e.e);
      const lo = c(e.lo);
      const hi = c(e.hi);
      const not = e.not;
      return (row) => {
        const x = v(row);
        const a = lo(row);
        const b = hi(row);
        const r = and3(x === null || a === null ? null : compare(a, x) <= 0, () => (x === null || b === null ? null : compare(x, b) <= 0));
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
      const operand = e.operand ? c(e.operand) : undefined;
      const whens = e.whens.map((w) => ({ when: c(w.when), then: c(w.then) }));
      const els = e.else ? c(e.else) : () => null;
      return (row) => {
        const o = operand?.(row);
        for (const w of whens) {
          const hit = operand ? equal(o, w.when(row)) === true : w.when(row) === true;
          if (hit) return w.then(row);
        }
        return els(row);
      };
    }
    case 'arith': {
      const l = c(e.l);
      const r = c(e.r);
      const op = e.op;
      const integral = INTEGRAL.has(typeOf(e.l).name) && INTEGRAL.has(typeOf(e.r).name);
      return (row) => {
        const a = l(row);
        const b = r(row);
        if (a === null || a === undefined || b === null || b === undefined) return null;
        if (op === '||') return toStr(a)! + toStr(b)!;
        const x = Number(a);
        const y = Number(b);
        switch (op) {
          case '+':
            return x + y;
          case '-':
            return x - y;
          case '*':
            return x * y;
          case '/':
            if (y === 0 && integral) throw new KamfError('ROUTER_EVAL_FAILED', 'division by zero');
            return integral ? Math.trunc(x / y) : x / y;
          case '%':
            if (y === 0) throw new KamfError('ROUTER_EVAL_FAILED', 'division by zero');
            return x % y;
        }
      };
    }
    case 'neg': {
      const inner = c(e.e);
      return (row) => {
        const v = inner(row);
        return v === null ? null : -Number(v);
      };
    }
  }
}

function call(fn: string, args: Compiled[]): Compiled {
  const strArgs = (row: Row) => args.map((a) => toStr(a(row)));
  const strict = (f: (...s: string[]) => unknown): Compiled => (row) => {
    const s = strArgs(row);
    return s.some((x) => x === null) ? null : f(...(s as string[]));
  };
  switch (fn) {
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
    case 'CHAR_LENGTH':
    case 'CHARACTER_LENGTH':
      return strict((s) => [...s].length);
    case 'REPLACE':
      return strict((s, from, to) => (from === '' ? s : s.split(from).join(to)));
    case 'CONCAT':
      return strict((...s) => s.join(''));
    case 'CONCAT_WS':
      return (row) => {
        const [sep, ...rest] = strArgs(row);
        return sep === null || sep === undefined ? null : rest.filter((x) => x !== null).join(sep);
      };
    case 'SUBSTRING':
    case 'SUBSTR':
      return (row) => {
        const [s, start, len] = args.map((a) => a(row));
        if (s === null || start === null || len === null) return null;
        const chars = [...toStr(s)!];
        const from = Math.max(Number(start) - 1, 0);
        return chars.slice(from, len === undefined ? undefined : from + Number(len)).join('');
      };
    case 'SPLIT_INDEX':
      return (row) => {
        const [s, delim, idx] = args.map((a) => a(row));
        if (s === null || delim === null || idx === null) return null;
        return toStr(s)!.split(toStr(delim)!)[Number(idx)] ?? null;
      };
    case 'COALESCE':
      return (row) => {
        for (const a of args) {
          const v = a(row);
          if (v !== null && v !== undefined) return v;
        }
        return null;
      };
    case 'IFNULL':
      return (row) => args[0]!(row) ?? args[1]!(row);
    case 'NULLIF':
      return (row) => {
        const a = args[0]!(row);
        return equal(a, args[1]!(row)) === true ? null : a;
      };
    default:
      throw new KamfError('ROUTER_SQL_UNSUPPORTED', `function ${fn} has no implementation`); // the planner refuses unknown functions first
  }
}
