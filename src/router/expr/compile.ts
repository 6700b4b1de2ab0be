/**
 * Compilation of a typed expression to a closure over a row (see ../expr.ts), with Flink's three-valued logic and
 * NULL in, NULL out.
 */
import { KamfError } from '../../core/errors.js';
import type { Expr, SqlType } from '../plan.js';
import { lookupRows } from '../lookup-state.js';
import { type Compiled, INTEGRAL_BITS, STRING, UNKNOWN, arithmeticType, isIntegral, isOpen, literalType } from './types.js';
import { type EvalSettings, castValue, coerce, compareValues, evalError, fits, likeAsStringTest, likeToRegExp, parseDecimal, pow10, renderValue, rescale, toNumber, toUnscaled, wrap } from './values.js';

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
