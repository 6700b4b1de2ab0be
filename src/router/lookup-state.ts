/**
 * The rows of the lookup tables the embedded engine joins (`JOIN t FOR SYSTEM_TIME AS OF ...` on an upsert-kafka
 * table), by primary key. One map per followed topic (`ref` = `<brokers>|<topic>`), shared by every router of the
 * process that joins it, because compiled expressions read it and the follower (lookup.ts) fills it. No Kafka here.
 */
export type LookupRow = Readonly<Record<string, unknown>>;

const tables = new Map<string, Map<string, LookupRow>>();

/** The live rows of a followed topic, by key (empty until its follower has read it). */
export function lookupRows(ref: string): Map<string, LookupRow> {
  let rows = tables.get(ref);
  if (!rows) tables.set(ref, (rows = new Map()));
  return rows;
}

/** The reference of a lookup table: its cluster and topic. */
export function lookupRef(brokers: string[], topic: string): string {
  return `${[...brokers].sort().join(',')}|${topic}`;
}
