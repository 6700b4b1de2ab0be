/**
 * CREATE TABLE -> `TablePlan`: the Kafka connector options, formats, key and metadata columns the embedded engine
 * accepts. Apart from queries because table definitions have their own rules (`TABLE_OPTIONS` is the subset).
 */
import type { FlinkSqlParser as P } from '../flink-grammar.js';
import type { ColumnPlan, RouterPlan, Startup, TablePlan } from '../plan.js';
import { substitute } from '../placeholders.js';
import { expression, sqlType } from './expressions.js';
import { dottedName, identifierText, invalid, pos, sourceText, unquote, unsupported, type Ctx } from './parse.js';

/** WITH options the embedded engine understands; `properties.*` are passed to nobody but accepted. */
const TABLE_OPTIONS = new Set([
  'connector',
  'topic',
  'topic-pattern',
  'properties.bootstrap.servers',
  'properties.group.id',
  'scan.startup.mode',
  'format',
  'value.format',
  'key.format',
  'key.fields',
  'value.fields-include',
  'avro-confluent.url',
  'value.avro-confluent.url',
  'avro-confluent.subject',
  'value.avro-confluent.subject',
  'sink.delivery-guarantee',
  'sink.partitioner',
  'sink.transactional-id-prefix',
  'scan.topic-partition-discovery.interval',
  // event time on Flink (a lookup table's idleness); nothing to do for the embedded engine
  'scan.watermark.idle-timeout',
]);

const READABLE_METADATA = new Set(['headers', 'timestamp', 'topic', 'partition', 'offset', 'timestamp-type', 'leader-epoch']);

export function propertyKey(ctx: Ctx, key: P.TablePropertyKeyContext): string {
  const lit = key.STRING_LITERAL();
  if (lit) return unquote(lit.getText());
  const text = key.getText();
  return text.startsWith("'") ? unquote(text) : text;
}

export function propertyValue(ctx: Ctx, value: P.TablePropertyValueContext | null): string {
  if (!value) return '';
  const lit = value.STRING_LITERAL();
  return substitute(lit ? unquote(lit.getText()) : value.getText(), ctx.values);
}

export function createTable(ctx: Ctx, plan: RouterPlan, t: P.SimpleCreateTableContext): void {
  const name = dottedName(t.tablePathCreate());
  if (t.likeDefinition()) throw unsupported(ctx, t.likeDefinition()!, 'CREATE TABLE ... LIKE');
  if (t.partitionDefinition()) throw unsupported(ctx, t.partitionDefinition()!, 'PARTITIONED BY');
  // event time matters to Flink's temporal join; the embedded engine joins the newest version (docs/routing.md)
  const watermark = t.watermarkDefinition() ? sourceText(ctx, t.watermarkDefinition()!).replace(/\s+/g, ' ') : undefined;
  const constraint = t.tableConstraint();
  const primaryKey = constraint ? constraint.columnNameList().getText().replace(/[()`]/g, '').split(',') : undefined;
  if (plan.tables[name] || plan.views[name]) throw invalid(ctx, t, `table ${name} is defined twice`);

  const columns: ColumnPlan[] = [];
  for (const def of t.columnOptionDefinition()) {
    const phys = def.physicalColumnDefinition();
    const meta = def.metadataColumnDefinition();
    const comp = def.computedColumnDefinition();
    if (phys) {
      const type = sqlType(phys.columnType());
      const constraint = phys.columnConstraint();
      if (constraint && /PRIMARY/i.test(constraint.getText())) throw unsupported(ctx, constraint, 'a PRIMARY KEY (upsert semantics)');
      if (constraint && /NOT.*NULL/i.test(constraint.getText())) type.nullable = false;
      columns.push({ name: identifierText(phys.columnNameCreate()), type, kind: 'physical' });
    } else if (meta) {
      const colName = identifierText(meta.columnNameCreate());
      const keyNode = meta.metadataKey();
      const key = keyNode ? unquote(keyNode.getText()) : colName;
      if (key === 'key' || key === 'value') {
        throw invalid(
          ctx,
          meta,
          `Flink's Kafka connector has no '${key}' metadata: declare the ${key} as a physical column (BYTES) with ` +
            `'key.format' = 'raw' and 'key.fields' = '<column>' (see docs/routing.md)`,
        );
      }
      if (!READABLE_METADATA.has(key)) throw unsupported(ctx, meta, `the metadata key '${key}'`);
      columns.push({ name: colName, type: sqlType(meta.columnType()), kind: 'metadata', metadataKey: key, virtual: meta.KW_VIRTUAL() !== null });
    } else if (comp) {
      columns.push({ name: identifierText(comp.columnNameCreate()), type: { name: 'UNKNOWN', text: '?', nullable: true }, kind: 'computed', expr: expression(ctx, comp.computedColumnExpression().expression()) });
    }
  }

  const options: Record<string, string> = {};
  for (const prop of t.withOption().tablePropertyList().tableProperty()) {
    const key = propertyKey(ctx, prop.tablePropertyKey());
    if (!TABLE_OPTIONS.has(key) && !key.startsWith('properties.')) throw unsupported(ctx, prop, `the table option '${key}'`);
    options[key] = propertyValue(ctx, prop.tablePropertyValue());
  }
  const where = t.withOption();
  if (options.connector === 'upsert-kafka') return upsertTable(ctx, plan, t, name, columns, options, primaryKey, watermark);
  if (options.connector !== 'kafka') throw unsupported(ctx, where, `the connector '${options.connector ?? '(none)'}' (only 'kafka', and 'upsert-kafka' for lookup tables)`);
  if (constraint) throw unsupported(ctx, constraint, `a PRIMARY KEY on a 'kafka' table (upsert semantics: use 'upsert-kafka' for a lookup table)`);
  const pattern = options['topic-pattern'];
  if (pattern !== undefined && options.topic !== undefined) throw invalid(ctx, where, `table ${name} sets both 'topic' and 'topic-pattern'`);
  const topicColumn = columns.find((c) => c.kind === 'metadata' && (c.metadataKey ?? c.name) === 'topic' && !c.virtual)?.name;
  if (pattern !== undefined) {
    if (!topicColumn) throw invalid(ctx, where, `table ${name} has a 'topic-pattern' but no writable topic column: declare \`<name> STRING METADATA FROM 'topic'\` (not VIRTUAL), which each row fills`);
    try {
      new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      throw invalid(ctx, where, `'topic-pattern' of ${name} is not a regular expression: ${(err as Error).message}`);
    }
  }
  const topic = options.topic ?? pattern;
  if (!topic) throw invalid(ctx, where, `table ${name} has no 'topic' option (nor a 'topic-pattern' with a writable topic column)`);
  if (topic.includes(';') && pattern === undefined) throw unsupported(ctx, where, 'a topic list');
  const brokers = (options['properties.bootstrap.servers'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length === 0) throw invalid(ctx, where, `table ${name} has no 'properties.bootstrap.servers'`);

  const format = options['value.format'] ?? options.format;
  if (format !== 'raw' && format !== 'avro-confluent') throw unsupported(ctx, where, `the value format '${format ?? '(none)'}' (raw and avro-confluent are supported)`);
  const keyFormat = options['key.format'];
  const keyFields = options['key.fields']?.split(';').map((s) => s.trim()).filter(Boolean) ?? [];
  if (keyFormat !== undefined && keyFormat !== 'raw') throw unsupported(ctx, where, `the key format '${keyFormat}' (only raw keys)`);
  if (keyFormat && keyFields.length !== 1) throw invalid(ctx, where, `'key.format' = 'raw' needs exactly one column in 'key.fields'`);
  const keyField = keyFields[0];
  const physical = columns.filter((c) => c.kind === 'physical').map((c) => c.name);
  if (keyField && !physical.includes(keyField)) throw invalid(ctx, where, `'key.fields' names ${keyField}, which is not a physical column of ${name}`);
  if (keyField && columns.find((c) => c.name === keyField)!.type.name !== 'BYTES') throw unsupported(ctx, where, 'a raw key column that is not BYTES');
  const include = (options['value.fields-include'] ?? 'ALL').toUpperCase();
  const valueFields = include === 'EXCEPT_KEY' ? physical.filter((c) => c !== keyField) : physical;
  if (format === 'raw') {
    if (valueFields.length !== 1) {
      throw invalid(ctx, where, `the raw format reads and writes exactly one column, but ${name} has ${valueFields.length} value columns (${valueFields.join(', ')})${keyField && include !== 'EXCEPT_KEY' ? ": set 'value.fields-include' = 'EXCEPT_KEY'" : ''}`);
    }
    const type = columns.find((c) => c.name === valueFields[0])!.type.name;
    if (type !== 'BYTES' && type !== 'STRING') throw unsupported(ctx, where, `a raw value column of type ${type}`);
  }
  const guarantee = options['sink.delivery-guarantee'];
  if (guarantee === 'exactly-once') throw unsupported(ctx, where, `'sink.delivery-guarantee' = 'exactly-once' (transactions)`);
  const partitioner = options['sink.partitioner'];
  if (partitioner !== undefined && partitioner !== 'default') throw unsupported(ctx, where, `'sink.partitioner' = '${partitioner}'`);

  const mode = options['scan.startup.mode'] ?? 'group-offsets';
  let startup: Startup;
  if (mode === 'earliest-offset' || mode === 'latest-offset') startup = { mode };
  else if (mode === 'group-offsets') startup = { mode, reset: options['properties.auto.offset.reset'] === 'earliest' ? 'earliest' : 'latest' };
  else throw unsupported(ctx, where, `'scan.startup.mode' = '${mode}'`);

  plan.tables[name] = {
    name,
    position: pos(t),
    topic,
    ...(pattern !== undefined ? { topicPattern: pattern, topicColumn: topicColumn! } : {}),
    ...(watermark ? { watermark } : {}),
    brokers,
    columns,
    format,
    ...(keyField ? { keyField } : {}),
    valueFields,
    ...((options['value.avro-confluent.url'] ?? options['avro-confluent.url']) ? { registryUrl: options['value.avro-confluent.url'] ?? options['avro-confluent.url'] } : {}),
    ...(options['properties.group.id'] ? { groupId: options['properties.group.id'] } : {}),
    startup,
    options,
  } satisfies TablePlan;
  if (format === 'avro-confluent' && !plan.tables[name]!.registryUrl) throw invalid(ctx, where, `the avro-confluent format needs 'value.avro-confluent.url'`);
}

/** Types a JSON value of a lookup table can hold as the embedded engine reads it. */
const JSON_TYPES = new Set(['STRING', 'BOOLEAN', 'INT', 'BIGINT', 'DOUBLE']);

/**
 * An `upsert-kafka` table: a compacted topic read as a changelog by primary key (a tombstone deletes the key), which
 * a SELECT joins with `FOR SYSTEM_TIME AS OF`. The embedded subset: one STRING primary key in a raw key, a JSON
 * value of flat STRING / BOOLEAN / INT / BIGINT / DOUBLE fields.
 */
function upsertTable(ctx: Ctx, plan: RouterPlan, t: P.SimpleCreateTableContext, name: string, columns: ColumnPlan[], options: Record<string, string>, primaryKey: string[] | undefined, watermark: string | undefined): void {
  const where = t.withOption();
  if (!primaryKey) throw invalid(ctx, where, `the upsert-kafka table ${name} needs a PRIMARY KEY (...) NOT ENFORCED`);
  if (primaryKey.length !== 1) throw unsupported(ctx, t.tableConstraint()!, 'a primary key of several columns');
  const key = primaryKey[0]!;
  const keyColumn = columns.find((c) => c.name === key && c.kind === 'physical');
  if (!keyColumn) throw invalid(ctx, t.tableConstraint()!, `the primary key ${key} is not a physical column of ${name}`);
  if (keyColumn.type.name !== 'STRING') throw unsupported(ctx, t.tableConstraint()!, `a primary key of type ${keyColumn.type.name} (the embedded engine joins on STRING keys)`);
  keyColumn.type = { ...keyColumn.type, nullable: false };
  const topic = options.topic;
  if (!topic || topic.includes(';') || options['topic-pattern'] !== undefined) throw invalid(ctx, where, `the upsert-kafka table ${name} needs exactly one 'topic'`);
  if (options['key.format'] !== 'raw') throw unsupported(ctx, where, `the key format '${options['key.format'] ?? '(none)'}' of an upsert-kafka table (only raw)`);
  if (options['key.fields'] !== undefined) throw invalid(ctx, where, `upsert-kafka takes its key from the PRIMARY KEY, not from 'key.fields'`);
  const format = options['value.format'];
  if (format !== 'json') throw unsupported(ctx, where, `the value format '${format ?? '(none)'}' of an upsert-kafka table (only json)`);
  const brokers = (options['properties.bootstrap.servers'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length === 0) throw invalid(ctx, where, `table ${name} has no 'properties.bootstrap.servers'`);
  for (const c of columns) {
    if (c.kind === 'computed') throw unsupported(ctx, where, `a computed column (${c.name}) on an upsert-kafka table`);
    if (c.kind === 'physical' && !JSON_TYPES.has(c.type.name)) throw unsupported(ctx, where, `the JSON column ${c.name} of type ${c.type.name} (STRING, BOOLEAN, INT, BIGINT, DOUBLE)`);
  }
  const include = (options['value.fields-include'] ?? 'ALL').toUpperCase();
  const physical = columns.filter((c) => c.kind === 'physical').map((c) => c.name);
  plan.tables[name] = {
    name,
    position: pos(t),
    topic,
    upsert: { primaryKey: key },
    ...(watermark ? { watermark } : {}),
    brokers,
    columns,
    format: 'json',
    keyField: key,
    valueFields: include === 'EXCEPT_KEY' ? physical.filter((c) => c !== key) : physical,
    startup: { mode: 'earliest-offset' },
    options,
  } satisfies TablePlan;
}
