/**
 * The three playable races and every spelling a caller may use for them: English names in any case,
 * one-letter codes (T/Z/P, as in the games dataset), and Korean names, including the community's short
 * form "토스" for Protoss. Every MCP tool that takes a race normalizes it here, so "terran", "TERRAN",
 * "T" and "테란" all mean the same thing everywhere.
 */
export const RACES = ['Terran', 'Zerg', 'Protoss'] as const;
export type Race = (typeof RACES)[number];

/** One-letter codes used in `games.csv`. */
export const RACE_CODES: Readonly<Record<Race, string>> = { Terran: 'T', Zerg: 'Z', Protoss: 'P' };

/** Korean names (the ones used in the forum posts). */
export const RACE_KO: Readonly<Record<Race, string>> = { Terran: '테란', Zerg: '저그', Protoss: '프로토스' };

const ALIASES: ReadonlyMap<string, Race> = new Map<string, Race>([
  ['terran', 'Terran'],
  ['terrans', 'Terran'],
  ['t', 'Terran'],
  ['테란', 'Terran'],
  ['zerg', 'Zerg'],
  ['zergs', 'Zerg'],
  ['z', 'Zerg'],
  ['저그', 'Zerg'],
  ['protoss', 'Protoss'],
  ['p', 'Protoss'],
  ['프로토스', 'Protoss'],
  ['토스', 'Protoss'],
]);

/** Accepted spellings, for error messages and tool descriptions. */
export const RACE_SPELLINGS = 'Terran/Zerg/Protoss (any case), T/Z/P, or 테란/저그/프로토스 (토스)';

/** The race `input` names, or undefined when it names none. Case- and surrounding-space-insensitive. */
export function normalizeRace(input: string): Race | undefined {
  return ALIASES.get(input.trim().normalize('NFC').toLowerCase());
}

/** Index of a race in {@link RACES} (0 Terran, 1 Zerg, 2 Protoss). */
export function raceIndex(race: Race): number {
  return RACES.indexOf(race);
}

/** The race for a one-letter dataset code, or undefined. */
export function raceFromCode(code: string): Race | undefined {
  switch (code) {
    case 'T':
      return 'Terran';
    case 'Z':
      return 'Zerg';
    case 'P':
      return 'Protoss';
    default:
      return undefined;
  }
}
