/**
 * CREATE TABLE -> `TablePlan`: the Kafka connector options, formats, key and metadata columns the embedded engine
 * accepts. Apart from queries because table definitions have their own rules (`TABLE_OPTIONS` is the subset).
 */
import type { FlinkSqlParser as P } from '../flink-grammar.js';
import type { ColumnPlan, RouterPlan, Startup, TablePlan } from '../plan.js';
import { substitute } from '../placeholders.js';
import { expression, sqlType } from './expressions.js';
import { dottedName, identifierText, invalid, pos, unquote, unsupported, type Ctx } from './parse.js';

/** WITH options the embedded engine understands; `properties.*` are passed to nobody but accepted. */
const TABLE_OPTIONS = new Set([
  'connector',
  'topic',
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
  if (t.watermarkDefinition()) throw unsupported(ctx, t.watermarkDefinition()!, 'a WATERMARK (event time)');
  if (t.tableConstraint()) throw unsupported(ctx, t.tableConstraint()!, 'a PRIMARY KEY (upsert semantics)');
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
  if (options.connector !== 'kafka') throw unsupported(ctx, where, `the connector '${options.connector ?? '(none)'}' (only 'kafka')`);
  const topic = options.topic;
  if (!topic) throw invalid(ctx, where, `table ${name} has no 'topic' option ('topic-pattern' is not supported)`);
  if (topic.includes(';')) throw unsupported(ctx, where, 'a topic list');
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
