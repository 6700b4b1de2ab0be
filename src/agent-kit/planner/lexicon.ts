/**
 * Words the deterministic planner understands in Korean and English: races, and concepts that map onto tool
 * vocabulary (so "승률" scores like "win rate").
 */
import { RACES, RACE_KO, type Race } from '../../mcp/races.js';

export { RACES, RACE_KO, type Race };

const RACE_WORDS: Record<Race, string[]> = {
  Terran: ['terran', 'terrans', '테란'],
  Zerg: ['zerg', 'zergs', '저그'],
  Protoss: ['protoss', 'protosses', '프로토스', '토스'],
};


/** Korean (and English slang) phrases → English words that tool descriptions use. */
export const CONCEPTS: Array<[RegExp, string]> = [
  [/승률|이기는 비율|win ?rates?|winrate/i, 'win rate wins winning'],
  [/게임 ?시간|경기 ?시간|플레이 ?시간|얼마나 걸|game ?time|duration|how long/i, 'game time duration average length'],
  [/상성|매치업|종족전|matchups?|matrix/i, 'matchup matrix versus'],
  [/불만|컴플레인|민원|항의|complain(t|ts)?|feedback/i, 'complaints feedback posts search'],
  [/감정|여론|반응|분위기|sentiment|mood/i, 'sentiment summary positive negative'],
  [/이슈|문제점|주요 문제|top issues|biggest problems?/i, 'top issues topics ranked'],
  [/너무 ?(세|강)|사기|op\b|overpowered|too strong|imbalanced?|밸런스|balance/i, 'balance'],
];

export function isKorean(text: string): boolean {
  return /[\uac00-\ud7a3]/.test(text);
}

/** Races in the order they appear in the text. */
export function racesIn(text: string): Race[] {
  const lower = text.toLowerCase();
  const hits: Array<[number, Race]> = [];
  for (const race of RACES) {
    for (const w of RACE_WORDS[race]) {
      // "토스" is inside "프로토스": only count it on its own
      const re = w === '토스' ? /(^|[^로])토스/g : new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
      for (const m of lower.matchAll(re)) hits.push([m.index ?? 0, race]);
    }
  }
  hits.sort((a, b) => a[0] - b[0]);
  return [...new Set(hits.map(([, r]) => r))];
}

/** The opponent race: "vs Zerg", "against zerg", "저그 상대", "저그전", "대 저그". */
export function opponentIn(text: string): Race | undefined {
  for (const race of RACES) {
    for (const w of RACE_WORDS[race]) {
      const e = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`(vs\\.?|versus|against|대)\\s*${e}|${e}\\s*(상대|전\\b|전에서|전 )`, 'i').test(text)) return race;
    }
  }
  return undefined;
}

export function tokens(text: string): string[] {
  let expanded = text.toLowerCase();
  for (const [re, words] of CONCEPTS) if (re.test(text)) expanded += ` ${words}`;
  return expanded.split(/[^\p{L}\p{N}.]+/u).filter((t) => t.length > 1);
}
