/**
 * Values as Flink has them (see ../expr.ts): DECIMAL as scaled bigints, DOUBLE and TIMESTAMP_LTZ printed as Flink
 * prints them, CAST, comparison and LIKE.
 */
import { KamfError } from '../../core/errors.js';
import type { SqlType } from '../plan.js';
import { INTEGRAL_BITS, isIntegral, isNumeric } from './types.js';

export const pow10 = (n: number) => 10n ** BigInt(n);
export const evalError = (m: string) => new KamfError('ROUTER_EVAL_FAILED', m);

/** Rounds unscaled `u` from scale `from` to scale `to`, HALF_UP (away from zero at .5), as BigDecimal does. */
export function rescale(u: bigint, from: number, to: number): bigint {
  if (to >= from) return u * pow10(to - from);
  const d = pow10(from - to);
  const q = u / d;
  const r = u % d;
  const twice = (r < 0n ? -r : r) * 2n;
  return twice >= d ? q + (u < 0n ? -1n : 1n) : q;
}

/** NULL when the value does not fit DECIMAL(p, s) (Flink gives NULL on decimal overflow). */
export const fits = (u: bigint, t: SqlType): bigint | null => ((u < 0n ? -u : u) < pow10(t.precision!) ? u : null);

function decimalText(u: bigint, scale: number): string {
  const neg = u < 0n;
  const digits = (neg ? -u : u).toString().padStart(scale + 1, '0');
  const s = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${s}` : s;
}

/** A decimal string -> unscaled at `scale` (HALF_UP), or undefined when it is not a number. */
export function parseDecimal(s: string, scale: number): bigint | undefined {
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
export function toNumber(v: unknown, t: SqlType): number {
  if (typeof v === 'bigint') return t.name === 'DECIMAL' ? Number(decimalText(v, t.scale ?? 0)) : Number(v);
  return Number(v);
}

/** An exact value (integral or decimal) as unscaled at `scale`. */
export function toUnscaled(v: unknown, t: SqlType, scale: number): bigint {
  if (t.name === 'DECIMAL') return rescale(v as bigint, t.scale ?? 0, scale);
  return BigInt(v as number | bigint) * pow10(scale);
}

export function wrap(n: bigint, bits: number): number | bigint {
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
export function compareValues(a: unknown, ta: SqlType, b: unknown, tb: SqlType): number {
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
export function likeAsStringTest(pattern: string, escape?: string): ((s: string) => boolean) | undefined {
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
