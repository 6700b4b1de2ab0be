/**
 * The routing plan: what the embedded engine builds from a Flink SQL file (src/router/sql.ts) and runs
 * (src/router/engine.ts). `kamf route --dry-run` prints it.
 */

/** Where a statement or expression starts in the file: 1-based line, 1-based column. */
export interface Position {
  line: number;
  column: number;
}

/** A SQL type as far as the embedded engine cares. */
export interface SqlType {
  /** Upper-case base name: STRING, BYTES, BOOLEAN, INT, BIGINT, DOUBLE, TIMESTAMP_LTZ, MAP, ROW, ... */
  name: string;
  /** The type as written. */
  text: string;
  key?: SqlType;
  value?: SqlType;
  nullable: boolean;
  /** DECIMAL(p, s), TIMESTAMP_LTZ(p). */
  precision?: number;
  scale?: number;
  /** VARCHAR(n) / CHAR(n); unset = STRING. */
  length?: number;
}

export type Expr =
  | { k: 'col'; path: string[]; text: string }
  /** `num`: a numeric literal as written (its SQL type depends on it: 4 INT, 4.0 DECIMAL(2, 1), 4e0 DOUBLE). */
  | { k: 'lit'; value: string | number | boolean | null; num?: string }
  | { k: 'subscript'; base: Expr; index: Expr }
  | { k: 'cast'; expr: Expr; to: SqlType; try: boolean }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; l: Expr; r: Expr }
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'in'; e: Expr; list: Expr[]; not: boolean }
  | { k: 'like'; e: Expr; pattern: Expr; not: boolean; escape?: string }
  | { k: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: 'is'; e: Expr; what: 'NULL' | 'TRUE' | 'FALSE'; not: boolean }
  | { k: 'case'; operand?: Expr; whens: Array<{ when: Expr; then: Expr }>; else?: Expr }
  | { k: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '||'; l: Expr; r: Expr }
  | { k: 'neg'; e: Expr }
  /**
   * A column of a lookup table's row whose primary key equals `key` (the right side of a temporal join
   * `JOIN t FOR SYSTEM_TIME AS OF ...`); `column` unset: whether such a row exists (BOOLEAN NOT NULL). `type` is the
   * column's type (nullable: no row, no value), `ref` names the followed topic (src/router/lookup-state.ts).
   */
  | { k: 'lookup'; table: string; column?: string; key: Expr; type: SqlType; ref: string };

export type ColumnKind = 'physical' | 'metadata' | 'computed';

export interface ColumnPlan {
  name: string;
  type: SqlType;
  kind: ColumnKind;
  /** Metadata key (`headers`, `timestamp`, ...); defaults to the column name. */
  metadataKey?: string;
  virtual?: boolean;
  /** Computed columns: `name AS expr`. */
  expr?: Expr;
}

export type Startup = { mode: 'earliest-offset' } | { mode: 'latest-offset' } | { mode: 'group-offsets'; reset: 'earliest' | 'latest' };

export interface TablePlan {
  name: string;
  position: Position;
  /** The topic; for a sink with `'topic-pattern'` the pattern (each row names its topic, see `topicColumn`). */
  topic: string;
  /** `'topic-pattern'` of a sink: the topics its rows may name in the writable `topic` metadata column. */
  topicPattern?: string;
  /** The column holding `METADATA FROM 'topic'` of a `'topic-pattern'` sink. */
  topicColumn?: string;
  /** `'connector' = 'upsert-kafka'`: a table the SQL joins (`FOR SYSTEM_TIME AS OF`), keyed by its primary key. */
  upsert?: { primaryKey: string };
  /** `WATERMARK FOR col AS expr` as written: Flink's event time; the embedded engine records it. */
  watermark?: string;
  brokers: string[];
  columns: ColumnPlan[];
  /** Value format (`json` for upsert-kafka lookup tables only). */
  format: 'raw' | 'avro-confluent' | 'json';
  /** The physical column holding the raw key (`'key.format' = 'raw'`, `'key.fields'`). */
  keyField?: string;
  /** Physical columns read from / written to the value. */
  valueFields: string[];
  registryUrl?: string;
  groupId?: string;
  startup: Startup;
  /** Every WITH option, placeholders substituted. */
  options: Record<string, string>;
}

/** A temporary view: a projection (and filter) over a table or another view. */
export interface ViewPlan {
  name: string;
  position: Position;
  from: string;
  where?: Expr;
  whereText?: string;
  columns: Array<{ name: string; expr: Expr; text: string }>;
}

export interface RoutePlan {
  /** `<n>:<sink>` — n counts the INSERTs in file order. */
  id: string;
  position: Position;
  sink: string;
  /** Table or view the INSERT reads. */
  from: string;
  /** The source table at the bottom of the view chain. */
  source: string;
  where?: Expr;
  whereText?: string;
  /** Sink column <- expression, in sink column order. */
  projections: Array<{ column: string; expr: Expr; text: string }>;
}

export interface RouterPlan {
  file: string;
  /** Placeholder values used. */
  placeholders: Record<string, string>;
  tables: Record<string, TablePlan>;
  views: Record<string, ViewPlan>;
  /** Tables read by some INSERT. */
  sources: string[];
  /** Tables written by some INSERT. */
  sinks: string[];
  /** upsert-kafka tables some SELECT joins (`FOR SYSTEM_TIME AS OF`): followed, not routed. */
  lookups?: string[];
  routes: RoutePlan[];
  /** SET statements (applied by Flink; recorded, not used, by the embedded engine). */
  settings: Record<string, string>;
}

/** A human-readable rendering of the plan (what `--dry-run` prints). */
export function formatPlan(plan: RouterPlan): string {
  const lines: string[] = [`plan of ${plan.file}`];
  if (Object.keys(plan.placeholders).length) {
    lines.push('placeholders:');
    for (const [k, v] of Object.entries(plan.placeholders)) lines.push(`  \${${k}} = ${JSON.stringify(v)}`);
  }
  lines.push('sources:');
  for (const name of plan.sources) {
    const t = plan.tables[name]!;
    const startup = t.startup.mode === 'group-offsets' ? `group-offsets (reset ${t.startup.reset})` : t.startup.mode;
    lines.push(`  ${name}: topic ${t.topic}, ${t.format} value${t.keyField ? `, raw key -> ${t.keyField}` : ''}, group ${t.groupId ?? '-'}, start ${startup}`);
  }
  const views = Object.values(plan.views);
  if (views.length) {
    lines.push('views:');
    for (const v of views) {
      lines.push(`  ${v.name} = over ${v.from}${v.whereText ? ` where ${v.whereText}` : ''}`);
      for (const c of v.columns) lines.push(`    ${c.name} <- ${c.text}`);
    }
  }
  lines.push('sinks:');
  for (const name of plan.sinks) {
    const t = plan.tables[name]!;
    const where = t.topicPattern ? `topic from column ${t.topicColumn} (matching ${t.topicPattern})` : `topic ${t.topic}`;
    lines.push(`  ${name}: ${where}, ${t.format} value${t.keyField ? `, raw key <- ${t.keyField}` : ''}`);
  }
  if (plan.lookups?.length) {
    lines.push('lookup tables (followed from the beginning, joined by primary key):');
    for (const name of plan.lookups) {
      const t = plan.tables[name]!;
      lines.push(`  ${name}: topic ${t.topic}, key ${t.upsert!.primaryKey}, ${t.format} value`);
    }
  }
  lines.push('routes (one job; each record is tested against every route):');
  for (const r of plan.routes) {
    lines.push(`  [${r.id}] ${r.from} -> ${r.sink} (${plan.tables[r.sink]!.topic}) at line ${r.position.line}`);
    lines.push(`      where ${r.whereText ?? 'TRUE'}`);
    lines.push(`      select ${r.projections.map((p) => (p.text === p.column ? p.column : `${p.text} AS ${p.column}`)).join(', ')}`);
  }
  return lines.join('\n');
}

/** The plan as plain JSON (`--dry-run --json`). */
export function planToJson(plan: RouterPlan): unknown {
  return JSON.parse(JSON.stringify(plan));
}
