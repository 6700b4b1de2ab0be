/** Writes the coordinator's balance verdict from the numbers and complaints it gathered, in Korean or English. */
import { RACE_KO, type Race } from '../../src/mcp/index.js';

export interface WinRate {
  race: Race;
  filters: { patch: string | null };
  games: number;
  wins: number;
  win_rate: number | null;
  ci95_low: number | null;
  ci95_high: number | null;
  by_opponent: Array<{ vs_race: Race; games: number; wins: number; win_rate: number | null }>;
}
export interface Complaints {
  total: number;
  posts: Array<{ title: string; lang: string; created_at: string }>;
}
export interface Sentiment {
  total: number;
  negative: number;
  negative_share: number | null;
}
export interface Issues {
  issues: Array<{ topic: string; negative: number; total: number }>;
}

export interface Evidence {
  race: Race;
  latest: WinRate;
  overall: WinRate;
  complaints?: Complaints;
  sentiment?: Sentiment;
  issues?: Issues;
}

export type Verdict = 'too-strong' | 'too-weak' | 'balanced';

export function verdictOf(w: WinRate): Verdict {
  if (w.win_rate === null) return 'balanced';
  if (w.win_rate >= 0.53 && (w.ci95_low ?? 0) > 0.5) return 'too-strong';
  if (w.win_rate <= 0.47 && (w.ci95_high ?? 1) < 0.5) return 'too-weak';
  return 'balanced';
}

/** Korean subject particle: 이 after a final consonant (테란이), 가 after a vowel (저그가). */
export function subjectKo(word: string): string {
  const last = word.charCodeAt(word.length - 1);
  const hasFinal = last >= 0xac00 && last <= 0xd7a3 && (last - 0xac00) % 28 !== 0;
  return `${word}${hasFinal ? '이' : '가'}`;
}

const TOPIC_KO: Record<string, string> = { balance: '밸런스', bug: '버그', matchmaking: '매치메이킹', performance: '성능', monetization: '과금' };

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const n = (x: number) => x.toLocaleString('en-US');

export function writeAnswer(e: Evidence, lang: 'en' | 'ko'): string {
  const v = verdictOf(e.latest);
  const patch = e.latest.filters.patch ?? 'latest';
  const opp = e.latest.by_opponent.filter((o) => o.games > 0);
  const titles = (e.complaints?.posts ?? []).slice(0, 3).map((p) => `"${p.title}"`);
  if (lang === 'ko') {
    const race = RACE_KO[e.race];
    const head = v === 'too-strong' ? `네, ${subjectKo(race)} 너무 강합니다.` : v === 'too-weak' ? `아니요, 오히려 ${subjectKo(race)} 약합니다.` : `${subjectKo(race)} 뚜렷하게 강하다고 보기는 어렵습니다.`;
    const lines = [
      head,
      `- ${patch} 패치에서 ${race} 승률은 ${pct(e.latest.win_rate)}입니다 (동족전 제외 ${n(e.latest.games)}경기 중 ${n(e.latest.wins)}승, 95% 신뢰구간 ${pct(e.latest.ci95_low)}–${pct(e.latest.ci95_high)}).`,
      `- 전체 패치 기준 승률은 ${pct(e.overall.win_rate)}입니다 (${n(e.overall.games)}경기).`,
      ...(opp.length ? [`- 상대 종족별 (${patch}): ${opp.map((o) => `${RACE_KO[o.vs_race]}전 ${pct(o.win_rate)} (${n(o.games)}경기)`).join(', ')}.`] : []),
      ...(e.complaints ? [`- 고객 의견: ${patch} 패치에서 ${race} 밸런스 불만 글이 ${n(e.complaints.total)}건 있습니다${titles.length ? ` (예: ${titles.join(', ')})` : ''}.`] : []),
      ...(e.sentiment ? [`- ${race} 관련 글 ${n(e.sentiment.total)}건 중 부정적인 글은 ${n(e.sentiment.negative)}건 (${pct(e.sentiment.negative_share)})입니다.`] : []),
      ...(e.issues?.issues[0] ? [`- 가장 큰 이슈: ${TOPIC_KO[e.issues.issues[0].topic] ?? e.issues.issues[0].topic} (부정적인 글 ${n(e.issues.issues[0].negative)}건).`] : []),
    ];
    return lines.join('\n');
  }
  const head = v === 'too-strong' ? `Yes: ${e.race} looks too strong.` : v === 'too-weak' ? `No: if anything, ${e.race} is weak.` : `Not clearly: ${e.race} is within the normal range.`;
  const lines = [
    head,
    `- In patch ${patch}, ${e.race} won ${pct(e.latest.win_rate)} of ${n(e.latest.games)} non-mirror games (${n(e.latest.wins)} wins; 95% CI ${pct(e.latest.ci95_low)}–${pct(e.latest.ci95_high)}).`,
    `- Over all patches: ${pct(e.overall.win_rate)} of ${n(e.overall.games)} games.`,
    ...(opp.length ? [`- By opponent in ${patch}: ${opp.map((o) => `vs ${o.vs_race} ${pct(o.win_rate)} (${n(o.games)} games)`).join(', ')}.`] : []),
    ...(e.complaints ? [`- Players: ${n(e.complaints.total)} negative balance posts about ${e.race} in patch ${patch}${titles.length ? `, e.g. ${titles.join(', ')}` : ''}.`] : []),
    ...(e.sentiment ? [`- Of ${n(e.sentiment.total)} posts about ${e.race}, ${n(e.sentiment.negative)} are negative (${pct(e.sentiment.negative_share)}).`] : []),
    ...(e.issues?.issues[0] ? [`- Top issue: ${e.issues.issues[0].topic} (${n(e.issues.issues[0].negative)} negative posts).`] : []),
  ];
  return lines.join('\n');
}

/** A one-line answer for a single skill result the coordinator relayed (chat turns like "승률?" → "저그"). */
export function formatSkillResult(skill: string, result: unknown, lang: 'en' | 'ko', fallback: string): string {
  if (skill === 'win_rate' && result && typeof result === 'object' && 'win_rate' in result) {
    const w = result as WinRate;
    const patch = w.filters.patch;
    return lang === 'ko'
      ? `${RACE_KO[w.race]} 승률은 ${pct(w.win_rate)}입니다${patch ? ` (${patch} 패치)` : ''} (동족전 제외 ${n(w.games)}경기 중 ${n(w.wins)}승).`
      : `${w.race} win rate is ${pct(w.win_rate)}${patch ? ` in patch ${patch}` : ''} (${n(w.wins)} wins in ${n(w.games)} non-mirror games).`;
  }
  return fallback;
}
