/**
 * The fixed vocabulary of the synthetic datasets: maps, patches (with the days they were live), forum
 * topics, languages and the observation window. The generator writes data from it; the servers take
 * maps/patches from the data itself and topics/languages from here (their input enums).
 */
export const MAPS = ['Frost Ridge', 'Ember Basin', 'Crystal Veil', 'Ashen Hollow', 'Tidewater Reach', 'Sunken Citadel'] as const;
export const MAPS_KO: Readonly<Record<(typeof MAPS)[number], string>> = {
  'Frost Ridge': '프로스트 리지',
  'Ember Basin': '엠버 베이슨',
  'Crystal Veil': '크리스탈 베일',
  'Ashen Hollow': '애셴 할로우',
  'Tidewater Reach': '타이드워터 리치',
  'Sunken Citadel': '선큰 시타델',
};

/** Patches in release order; each is live from `from` to `to` (inclusive days, UTC). */
export const PATCHES = [
  { patch: '5.0.10', from: '2025-01-06', to: '2025-03-02' },
  { patch: '5.0.11', from: '2025-03-03', to: '2025-05-04' },
  { patch: '5.0.12', from: '2025-05-05', to: '2025-07-06' },
] as const;

export const FIRST_DAY = '2025-01-06';
export const LAST_DAY = '2025-07-06';

export const TOPICS = ['balance', 'bug', 'matchmaking', 'performance', 'monetization'] as const;
export type Topic = (typeof TOPICS)[number];

export const LANGS = ['ko', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

/** Score → label: <= -0.25 negative, >= 0.25 positive, otherwise neutral. */
export function sentimentLabel(score: number): SentimentLabel {
  return score <= -0.25 ? 'negative' : score >= 0.25 ? 'positive' : 'neutral';
}

/** The patch live on `day` (YYYY-MM-DD), or undefined outside the window. */
export function patchOn(day: string): string | undefined {
  return PATCHES.find((p) => day >= p.from && day <= p.to)?.patch;
}
