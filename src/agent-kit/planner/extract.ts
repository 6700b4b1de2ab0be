/** Argument extraction from Korean or English text, driven by the tool's JSON Schema. */
import { RACES, isKorean, opponentIn, racesIn } from './lexicon.js';
import type { JsonSchema } from './types.js';

const DATE = /\b(\d{4}-\d{2}-\d{2})\b/g;
const VERSION = /\b(\d+\.\d+(?:\.\d+)?)\b/;

function enumOf(s: JsonSchema | undefined): string[] {
  if (!s) return [];
  if (Array.isArray(s.enum)) return s.enum.filter((v): v is string => typeof v === 'string');
  return (s.anyOf ?? []).flatMap(enumOf);
}

function typeOf(s: JsonSchema | undefined): string {
  const t = s?.type ?? s?.anyOf?.find((x) => x.type && x.type !== 'null')?.type;
  return Array.isArray(t) ? (t.find((x) => x !== 'null') ?? 'string') : (t ?? 'string');
}

/** Arguments found in `text` for the schema's properties; keys with nothing found are left out. */
export function extractArgs(text: string, properties: Record<string, JsonSchema>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lower = text.toLowerCase();
  const races = racesIn(text);
  const opponent = opponentIn(text);
  const dates = [...text.matchAll(DATE)].map((m) => m[1]!);
  for (const [key, schema] of Object.entries(properties)) {
    const k = key.toLowerCase();
    const values = enumOf(schema);
    if (/^(vs|versus|against|opponent)/.test(k) || /vs_?race|opponent/.test(k)) {
      if (opponent) out[key] = opponent;
      continue;
    }
    if (/race/.test(k)) {
      const mine = races.find((r) => r !== opponent) ?? (races.length === 1 && !opponent ? races[0] : undefined);
      if (mine) out[key] = values.length ? (values.find((v) => v.toLowerCase() === mine.toLowerCase()) ?? mine) : mine;
      continue;
    }
    if (values.length) {
      const hit = values.find((v) => lower.includes(v.toLowerCase()));
      if (hit) out[key] = hit;
      continue;
    }
    if (/patch|version/.test(k)) {
      const m = VERSION.exec(text);
      if (m) out[key] = m[1];
      continue;
    }
    if (/^(from|since|start)/.test(k) && dates[0]) {
      out[key] = dates[0];
      continue;
    }
    if (/^(to|until|end)/.test(k) && dates[1]) {
      out[key] = dates[1];
      continue;
    }
    if (/lang/.test(k)) {
      if (/in korean|한국어|한글/i.test(text)) out[key] = 'ko';
      else if (/in english|영어/i.test(text)) out[key] = 'en';
      continue;
    }
    if ((typeOf(schema) === 'integer' || typeOf(schema) === 'number') && /limit|top|count|^n$/.test(k)) {
      const m = /\btop\s*(\d+)|(\d+)\s*(개|건|items|posts|results)/i.exec(text);
      if (m) out[key] = Number(m[1] ?? m[2]);
      continue;
    }
  }
  return out;
}

/** A reply to "which X?" may be just the value ("저그", "Zerg", "5.0.12"). */
export function extractAnswer(text: string, key: string, schema: JsonSchema | undefined): unknown {
  const found = extractArgs(text, { [key]: schema ?? {} });
  if (found[key] !== undefined) return found[key];
  if (/race/i.test(key)) return racesIn(text)[0];
  return undefined;
}

export function askFor(missing: string[], properties: Record<string, JsonSchema>, lang: 'en' | 'ko'): string {
  const key = missing[0]!;
  const values = /race/i.test(key) ? [...RACES] : enumOf(properties[key]);
  if (lang === 'ko') {
    const what = /race/i.test(key) ? '어느 종족' : /patch/i.test(key) ? '어느 패치' : /map/i.test(key) ? '어느 맵' : `${key} 값`;
    const opts = /race/i.test(key) ? ' (테란, 저그, 프로토스)' : values.length ? ` (${values.join(', ')})` : '';
    return `${what}인가요?${opts}`;
  }
  const what = /race/i.test(key) ? 'Which race' : `Which ${key.replaceAll('_', ' ')}`;
  return `${what}?${values.length ? ` (${values.join(', ')})` : ''}`;
}

export const langOf = (text: string): 'en' | 'ko' => (isKorean(text) ? 'ko' : 'en');
