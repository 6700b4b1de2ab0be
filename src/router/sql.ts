/**
 * Flink SQL -> routing plan, for the embedded engine.
 *
 * The file is parsed with dt-sql-parser's FlinkSQL grammar (an ANTLR grammar of Flink's own SQL), so what the
 * embedded engine accepts is a subset of what Flink accepts. Everything outside the subset is refused here, at
 * load time, with the statement, the position of the construct and the hint to run the file on Flink. The subset
 * is documented in docs/routing.md; `SUPPORTED_FUNCTIONS` and `TABLE_OPTIONS` below are its machine-readable part.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FlinkSQL } from 'dt-sql-parser';
import * as P from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser.js';
import type { ParserRuleContext } from 'antlr4ng';
import { KamfError } from '../core/errors.js';
import type { ColumnPlan, Expr, Position, RoutePlan, RouterPlan, SqlType, Startup, TablePlan, ViewPlan } from './plan.js';
import { resolvePlaceholders, substitute, type Vars } from './placeholders.js';
import { exprText, inferType } from './expr.js';

/** Scalar functions the embedded engine evaluates (Flink semantics; see expr.ts). */
export const SUPPORTED_FUNCTIONS = new Set([
  'LOWER',
  'UPPER',
  'COALESCE',
  'IFNULL',
  'NULLIF',
  'CONCAT',
  'CONCAT_WS',
  'TRIM',
  'LTRIM',
  'RTRIM',
  'REPLACE',
  'CHAR_LENGTH',
  'CHARACTER_LENGTH',
  'SUBSTRING',
  'SUBSTR',
  'SPLIT_INDEX',
]);

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
const WRITABLE_METADATA = new Set(['headers', 'timestamp']);

const HINT = 'Run it with the Flink engine: kamf route --engine flink <file>';

interface Ctx {
  file: string;
  /** The path as given, for the copy-pasteable hint. */
  path: string;
  text: string;
  values: Record<string, string>;
  /** The statement being translated, for error messages. */
  statement?: ParserRuleContext;
}

/** Reads and plans a routing file. `vars` fills the placeholders (process.env is NOT consulted here). */
export function loadRoutingFile(path: string, vars: Vars): RouterPlan {
  return planRoutingSql(readFileSync(path, 'utf8'), vars, path);
}

export function planRoutingSql(text: string, vars: Vars, file = 'routing.sql'): RouterPlan {
  const name = basename(file);
  const values = resolvePlaceholders(text, vars, name);
  const sql = new FlinkSQL();
  const errors: Array<{ startLine: number; startColumn: number; message: string }> = [];
  const tree = sql.parse(text, (e) => errors.push(e as never));
  if (errors.length > 0) {
    const list = errors.slice(0, 5).map((e) => `  ${name}:${e.startLine}:${e.startColumn}: ${e.message}`).join('\n');
    const placeholderHint = /\$/.test(list) ? '\nPlaceholders (${NAME}) are only allowed inside string literals.' : '';
    throw new KamfError('ROUTER_SQL_SYNTAX', `${name} is not valid Flink SQL:\n${list}${placeholderHint}`, {
      details: { errors: errors.slice(0, 20) },
    });
  }
  const ctx: Ctx = { file: name, path: file, text, values };
  const plan: RouterPlan = { file, placeholders: values, tables: {}, views: {}, sources: [], sinks: [], routes: [], settings: {} };
  for (const single of tree.singleStatement()) {
    const stmt = single.sqlStatement();
    if (!stmt) continue; // empty statement
    ctx.statement = stmt;
    statement(ctx, plan, stmt);
  }
  if (plan.routes.length === 0) throw invalid(ctx, tree, `${name} has no INSERT INTO statement: there is nothing to route`);
  return plan;
}

// ---- errors ---------------------------------------------------------------------------------------------------

function pos(node: ParserRuleContext): Position {
  return { line: node.start?.line ?? 0, column: (node.start?.column ?? 0) + 1 };
}

function sourceText(ctx: Ctx, node: ParserRuleContext): string {
  const from = node.start?.start ?? 0;
  const to = node.stop?.stop ?? from;
  return ctx.text.slice(from, to + 1);
}

function statementExcerpt(ctx: Ctx): string {
  if (!ctx.statement) return '';
  const text = sourceText(ctx, ctx.statement).replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function unsupported(ctx: Ctx, node: ParserRuleContext, what: string): KamfError {
  const p = pos(node);
  const stmt = ctx.statement ? pos(ctx.statement) : p;
  return new KamfError(
    'ROUTER_SQL_UNSUPPORTED',
    `${ctx.file}:${p.line}:${p.column}: ${what} is outside the embedded engine's SQL subset (docs/routing.md).\n` +
      `  statement at line ${stmt.line}, column ${stmt.column}: ${statementExcerpt(ctx)}\n` +
      `  ${HINT.replace('<file>', ctx.path)}`,
    { details: { file: ctx.file, line: p.line, column: p.column, statement: statementExcerpt(ctx), construct: what } },
  );
}

function invalid(ctx: Ctx, node: ParserRuleContext, message: string): KamfError {
  const p = pos(node);
  return new KamfError('ROUTER_SQL_INVALID', `${ctx.file}:${p.line}:${p.column}: ${message}\n  statement: ${statementExcerpt(ctx)}`, {
    details: { file: ctx.file, line: p.line, column: p.column, statement: statementExcerpt(ctx) },
  });
}

// ---- statements -----------------------------------------------------------------------------------------------

function statement(ctx: Ctx, plan: RouterPlan, stmt: P.SqlStatementContext): void {
  const ddl = stmt.ddlStatement();
  if (ddl) {
    const create = ddl.createTable();
    if (create) {
      const simple = create.simpleCreateTable();
      if (!simple) throw unsupported(ctx, create, 'CREATE TABLE ... AS SELECT');
      return createTable(ctx, plan, simple);
    }
    const view = ddl.createView();
    if (view) return createView(ctx, plan, view);
    throw unsupported(ctx, ddl, `the statement ${firstWords(sourceText(ctx, ddl))}`);
  }
  const dml = stmt.dmlStatement();
  if (dml) {
    const insert = dml.insertStatement();
    if (!insert) throw unsupported(ctx, dml, 'a SELECT statement without INSERT INTO (a query with no sink)');
    const simple = insert.insertSimpleStatement();
    if (simple) return insertInto(ctx, plan, simple);
    const set = insert.insertMulStatement() ?? insert.insertMulStatementCompatibility();
    if (set) {
      for (const s of set.insertSimpleStatement()) insertInto(ctx, plan, s);
      return;
    }
    throw unsupported(ctx, insert, 'this form of INSERT');
  }
  const set = stmt.setStatement();
  if (set) {
    const prop = set.tableProperty();
    if (prop) plan.settings[propertyKey(ctx, prop.tablePropertyKey())] = propertyValue(ctx, prop.tablePropertyValue());
    return;
  }
  throw unsupported(ctx, stmt, `the statement ${firstWords(sourceText(ctx, stmt))}`);
}

function firstWords(text: string): string {
  return text.trim().split(/\s+/).slice(0, 3).join(' ').toUpperCase();
}

function identifierText(node: ParserRuleContext): string {
  const t = node.getText();
  return t.startsWith('`') && t.endsWith('`') ? t.slice(1, -1).replaceAll('``', '`') : t;
}

function pathText(ids: ParserRuleContext[]): string[] {
  return ids.map(identifierText);
}

/** `a.b` or `\`a\`.\`b\`` as written in a table path. */
function dottedName(node: ParserRuleContext): string {
  return node
    .getText()
    .split('.')
    .map((p) => (p.startsWith('`') && p.endsWith('`') ? p.slice(1, -1) : p))
    .join('.');
}

function unquote(literal: string): string {
  // 'a''b' -> a'b; Flink also accepts adjacent literals and E'' escapes, which we do not
  return literal.slice(1, -1).replaceAll("''", "'");
}

function propertyKey(ctx: Ctx, key: P.TablePropertyKeyContext): string {
  const lit = key.STRING_LITERAL();
  if (lit) return unquote(lit.getText());
  const text = key.getText();
  return text.startsWith("'") ? unquote(text) : text;
}

function propertyValue(ctx: Ctx, value: P.TablePropertyValueContext | null): string {
  if (!value) return '';
  const lit = value.STRING_LITERAL();
  return substitute(lit ? unquote(lit.getText()) : value.getText(), ctx.values);
}

function sqlType(node: P.ColumnTypeContext): SqlType {
  const text = node.getText();
  const first = (node.start?.text ?? text).toUpperCase();
  const name =
    first === 'VARCHAR' || first === 'CHAR' || first === 'STRING'
      ? 'STRING'
      : first === 'BYTES' || first === 'BINARY' || first === 'VARBINARY'
        ? 'BYTES'
        : first === 'INTEGER'
          ? 'INT'
          : first;
  const map = node.mapTypeDimension();
  const notNull = /NOTNULL$/i.test(text);
  if (map) {
    const key = map.columnType(0);
    const value = map.columnType(1);
    return { name, text, nullable: !notNull, ...(key ? { key: sqlType(key) } : {}), ...(value ? { value: sqlType(value) } : {}) };
  }
  return { name, text, nullable: !notNull };
}

function createTable(ctx: Ctx, plan: RouterPlan, t: P.SimpleCreateTableContext): void {
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

interface Select {
  from: string;
  fromNode: ParserRuleContext;
  alias?: string;
  items: Array<{ name?: string; expr?: Expr; text: string; star?: boolean; node: ParserRuleContext }>;
  where?: Expr;
  whereText?: string;
}

function select(ctx: Ctx, q: P.QueryStatementContext): Select {
  if (q.withClause()) throw unsupported(ctx, q.withClause()!, 'WITH (common table expressions)');
  if (q.valuesClause()) throw unsupported(ctx, q.valuesClause()!, 'VALUES');
  if (q.KW_UNION() || q.KW_INTERSECT() || q.KW_EXCEPT()) throw unsupported(ctx, q, 'UNION / INTERSECT / EXCEPT');
  if (q.orderByClause()) throw unsupported(ctx, q.orderByClause()!, 'ORDER BY');
  if (q.limitClause()) throw unsupported(ctx, q.limitClause()!, 'LIMIT');
  const inner = q.queryStatement(0);
  if (inner && !q.selectStatement()) return select(ctx, inner); // ( query )
  const s = q.selectStatement();
  if (!s) throw unsupported(ctx, q, 'this query form');
  if (s.groupByClause()) throw unsupported(ctx, s.groupByClause()!, 'GROUP BY (aggregation)');
  if (s.havingClause()) throw unsupported(ctx, s.havingClause()!, 'HAVING');
  if (s.windowClause()) throw unsupported(ctx, s.windowClause()!, 'WINDOW');
  if (s.matchRecognizeClause()) throw unsupported(ctx, s.matchRecognizeClause()!, 'MATCH_RECOGNIZE');
  const sc = s.selectClause();
  if (sc.setQuantifier()) throw unsupported(ctx, sc.setQuantifier()!, 'SELECT DISTINCT (stateful deduplication)');
  const fromClause = s.fromClause();
  if (!fromClause) throw unsupported(ctx, s, 'a SELECT without FROM');
  const te = fromClause.tableExpression();
  const refs = te.tableReference();
  const tvf = te.windowTVFClause() ?? te.tableExpression().find((x) => x.windowTVFClause())?.windowTVFClause();
  if (tvf || /^TABLE\s*\(/i.test(sourceText(ctx, te))) throw unsupported(ctx, tvf ?? te, 'a window table function (TUMBLE, HOP, ...)');
  if (refs.length !== 1 || te.tableExpression().length > 0 || te.KW_JOIN()) throw unsupported(ctx, te, 'a JOIN or several tables in FROM');
  const ref = refs[0]!;
  const prim = ref.tablePrimary();
  const path = prim.tablePath();
  if (!path || prim.systemTimePeriod()) throw unsupported(ctx, prim, 'this FROM item (only a table or view name)');
  const from = pathText(path.identifier()).join('.');
  const aliasNode = ref.tableAlias();
  const alias = aliasNode ? identifierText(aliasNode.identifier()) : undefined;

  const items: Select['items'] = [];
  for (const item of sc.selectList().columnProjectItem()) {
    if (item.selectWindowItemColumnName()) throw unsupported(ctx, item, 'an OVER window');
    const all = item.tableAllColumns();
    if (all || item.getText() === '*') {
      items.push({ star: true, text: '*', node: item });
      continue;
    }
    const alias = item.columnAlias();
    const aliasName = alias ? identifierText(alias.identifier()) : undefined;
    const lit = item.selectLiteralColumnName();
    if (lit) {
      const parts = lit.getText().split('.').map((p) => (p.startsWith('`') ? p.slice(1, -1) : p));
      items.push({ name: aliasName ?? parts[parts.length - 1]!, expr: { k: 'col', path: parts, text: lit.getText() }, text: lit.getText(), node: item });
      continue;
    }
    const ex = item.selectExpressionColumnName()?.expression() ?? item.expression();
    if (!ex) throw unsupported(ctx, item, 'this select item');
    const e = expression(ctx, ex);
    items.push({ ...(aliasName ? { name: aliasName } : {}), expr: e, text: sourceText(ctx, ex).replace(/\s+/g, ' '), node: item });
  }
  const w = s.whereClause();
  let where: Expr | undefined;
  let whereText: string | undefined;
  if (w) {
    const b = w.booleanExpression();
    if (!b) throw unsupported(ctx, w, 'this WHERE clause');
    where = expression(ctx, b);
    whereText = sourceText(ctx, b).replace(/\s+/g, ' ');
  }
  return { from, fromNode: prim, ...(alias ? { alias } : {}), items, ...(where ? { where, whereText: whereText! } : {}) };
}

/** The columns a relation (table or view) offers to a SELECT over it. */
export function relationColumns(plan: RouterPlan, name: string): Array<{ name: string; type: SqlType }> | undefined {
  const t = plan.tables[name];
  if (t) return t.columns.map((c) => ({ name: c.name, type: c.type }));
  const v = plan.views[name];
  if (v) return v.columns.map((c) => ({ name: c.name, type: inferType(c.expr, (col) => lookupType(plan, v.from, col)) }));
  return undefined;
}

function lookupType(plan: RouterPlan, relation: string, path: string[]): SqlType | undefined {
  return relationColumns(plan, relation)?.find((c) => c.name === path[path.length - 1])?.type;
}

/** Strips the table alias from column references and checks that every referenced column exists. */
function bindColumns(ctx: Ctx, plan: RouterPlan, sel: Select, e: Expr | undefined, node: ParserRuleContext): Expr | undefined {
  if (!e) return e;
  const cols = relationColumns(plan, sel.from) ?? [];
  const visit = (x: Expr): Expr => {
    switch (x.k) {
      case 'col': {
        let path = x.path;
        if (path.length > 1 && (path[0] === sel.alias || path[0] === sel.from)) path = path.slice(1);
        if (!cols.some((c) => c.name === path[0])) {
          throw invalid(ctx, node, `column ${x.text} is not in ${sel.from} (columns: ${cols.map((c) => c.name).join(', ')})`);
        }
        return { ...x, path };
      }
      case 'lit':
        return x;
      case 'subscript':
        return { ...x, base: visit(x.base), index: visit(x.index) };
      case 'cast':
        return { ...x, expr: visit(x.expr) };
      case 'call':
        return { ...x, args: x.args.map(visit) };
      case 'cmp':
      case 'and':
      case 'or':
      case 'arith':
        return { ...x, l: visit(x.l), r: visit(x.r) } as Expr;
      case 'not':
      case 'neg':
        return { ...x, e: visit(x.e) } as Expr;
      case 'in':
        return { ...x, e: visit(x.e), list: x.list.map(visit) };
      case 'like':
        return { ...x, e: visit(x.e), pattern: visit(x.pattern) };
      case 'between':
        return { ...x, e: visit(x.e), lo: visit(x.lo), hi: visit(x.hi) };
      case 'is':
        return { ...x, e: visit(x.e) };
      case 'case':
        return {
          ...x,
          ...(x.operand ? { operand: visit(x.operand) } : {}),
          whens: x.whens.map((w) => ({ when: visit(w.when), then: visit(w.then) })),
          ...(x.else ? { else: visit(x.else) } : {}),
        };
    }
  };
  const bound = visit(e);
  // type check what Flink's validator would refuse (e.g. comparing BYTES with a string)
  inferType(bound, (path) => lookupType(plan, sel.from, path), (message) => {
    throw invalid(ctx, node, message);
  });
  return bound;
}

function expandItems(ctx: Ctx, plan: RouterPlan, sel: Select): Array<{ name: string; expr: Expr; text: string; node: ParserRuleContext }> {
  const out: Array<{ name: string; expr: Expr; text: string; node: ParserRuleContext }> = [];
  for (const item of sel.items) {
    if (item.star) {
      for (const c of relationColumns(plan, sel.from) ?? []) out.push({ name: c.name, expr: { k: 'col', path: [c.name], text: c.name }, text: c.name, node: item.node });
      continue;
    }
    const expr = bindColumns(ctx, plan, sel, item.expr!, item.node)!;
    out.push({ name: item.name ?? `EXPR$${out.length}`, expr, text: item.text, node: item.node });
  }
  return out;
}

function checkRelation(ctx: Ctx, plan: RouterPlan, sel: Select): void {
  if (!plan.tables[sel.from] && !plan.views[sel.from]) throw invalid(ctx, sel.fromNode, `unknown table or view ${sel.from}`);
}

/** The source table at the bottom of a chain of views. */
function sourceOf(plan: RouterPlan, name: string): string {
  let cur = name;
  for (let guard = 0; plan.views[cur] && guard < 100; guard++) cur = plan.views[cur]!.from;
  return cur;
}

function createView(ctx: Ctx, plan: RouterPlan, v: P.CreateViewContext): void {
  const name = dottedName(v.viewPathCreate());
  if (v.columnNameList()) throw unsupported(ctx, v.columnNameList()!, 'a view column list');
  if (plan.tables[name] || plan.views[name]) throw invalid(ctx, v, `${name} is defined twice`);
  const sel = select(ctx, v.queryStatement());
  checkRelation(ctx, plan, sel);
  const columns = expandItems(ctx, plan, sel).map(({ name, expr, text }) => ({ name, expr, text }));
  const where = bindColumns(ctx, plan, sel, sel.where, v);
  plan.views[name] = { name, position: pos(v), from: sel.from, columns, ...(where ? { where, whereText: sel.whereText! } : {}) } satisfies ViewPlan;
}

function insertInto(ctx: Ctx, plan: RouterPlan, ins: P.InsertSimpleStatementContext): void {
  const saved = ctx.statement;
  ctx.statement = ins;
  try {
    if (ins.KW_OVERWRITE()) throw unsupported(ctx, ins, 'INSERT OVERWRITE');
    if (ins.insertPartitionDefinition()) throw unsupported(ctx, ins.insertPartitionDefinition()!, 'PARTITION');
    const q = ins.queryStatement();
    if (!q) throw unsupported(ctx, ins, 'INSERT ... VALUES');
    const sinkName = pathText(ins.tablePath().identifier()).join('.');
    const sink = plan.tables[sinkName];
    if (!sink) throw invalid(ctx, ins.tablePath(), plan.views[sinkName] ? `${sinkName} is a view: INSERT INTO needs a table` : `unknown table ${sinkName}`);
    const sel = select(ctx, q);
    checkRelation(ctx, plan, sel);
    const items = expandItems(ctx, plan, sel);
    const writable = sink.columns.filter((c) => c.kind === 'physical' || (c.kind === 'metadata' && !c.virtual));
    for (const c of sink.columns) {
      if (c.kind === 'metadata' && !c.virtual && !WRITABLE_METADATA.has(c.metadataKey ?? c.name)) {
        throw invalid(ctx, ins.tablePath(), `sink ${sinkName}: metadata '${c.metadataKey ?? c.name}' is read-only: declare it VIRTUAL`);
      }
      if (c.kind === 'computed') throw unsupported(ctx, ins.tablePath(), `a sink with a computed column (${c.name})`);
    }
    const listed = ins.columnNameList();
    const targets = listed ? listed.getText().replace(/[()`]/g, '').split(',') : writable.map((c) => c.name);
    if (targets.length !== items.length) {
      throw invalid(ctx, q, `INSERT INTO ${sinkName} selects ${items.length} columns, but the sink takes ${targets.length} (${targets.join(', ')})`);
    }
    const projections = targets.map((column, i) => {
      if (!writable.some((c) => c.name === column)) throw invalid(ctx, ins, `${sinkName} has no writable column ${column}`);
      return { column, expr: items[i]!.expr, text: items[i]!.text };
    });
    const where = bindColumns(ctx, plan, sel, sel.where, q);
    const source = sourceOf(plan, sel.from);
    const n = plan.routes.length + 1;
    plan.routes.push({
      id: `${n}:${sinkName}`,
      position: pos(ins),
      sink: sinkName,
      from: sel.from,
      source,
      ...(where ? { where, whereText: sel.whereText! } : {}),
      projections,
    } satisfies RoutePlan);
    if (!plan.sources.includes(source)) plan.sources.push(source);
    if (!plan.sinks.includes(sinkName)) plan.sinks.push(sinkName);
    if (plan.tables[source]!.topic === sink.topic) throw invalid(ctx, ins, `${sinkName} writes to ${sink.topic}, the topic it reads: that is a loop`);
  } finally {
    ctx.statement = saved;
  }
}

// ---- expressions ----------------------------------------------------------------------------------------------

function expression(ctx: Ctx, node: P.ExpressionContext | P.BooleanExpressionContext | P.ValueExpressionContext | P.PrimaryExpressionContext): Expr {
  if (node instanceof P.ExpressionContext) return expression(ctx, node.booleanExpression());
  // boolean level
  if (node instanceof P.LogicalNotContext) return { k: 'not', e: expression(ctx, node.booleanExpression()) };
  if (node instanceof P.LogicalBinaryContext) {
    const [l, r] = node.booleanExpression();
    return { k: node.KW_AND() ? 'and' : 'or', l: expression(ctx, l!), r: expression(ctx, r!) };
  }
  if (node instanceof P.LogicalNestedContext) {
    if (node.KW_UNKNOWN()) throw unsupported(ctx, node, 'IS UNKNOWN');
    const what = node.KW_TRUE() ? 'TRUE' : node.KW_FALSE() ? 'FALSE' : 'NULL';
    return { k: 'is', e: expression(ctx, node.booleanExpression()), what, not: node.KW_NOT() !== null };
  }
  if (node instanceof P.ExistsContext) throw unsupported(ctx, node, 'EXISTS (a subquery)');
  if (node instanceof P.PredicatedContext) {
    const value = expression(ctx, node.valueExpression());
    const pred = node.predicate();
    return pred ? predicate(ctx, value, pred) : value;
  }
  // value level
  if (node instanceof P.ValueExpressionDefaultContext) return expression(ctx, node.primaryExpression());
  if (node instanceof P.ComparisonContext) {
    const op = node.comparisonOperator().getText();
    const [l, r] = node.valueExpression();
    const norm = op === '!=' ? '<>' : op;
    if (!['=', '<>', '<', '<=', '>', '>='].includes(norm)) throw unsupported(ctx, node, `the operator ${op}`);
    return { k: 'cmp', op: norm as '=', l: expression(ctx, l!), r: expression(ctx, r!) };
  }
  if (node instanceof P.ArithmeticBinaryContext) {
    const [l, r] = node.valueExpression();
    const op = node.ADD_SIGN() ? '+' : node.HYPHEN_SIGN() ? '-' : node.ASTERISK_SIGN() ? '*' : node.SLASH_SIGN() ? '/' : node.PERCENT_SIGN() ? '%' : node.DOUBLE_VERTICAL_SIGN() ? '||' : undefined;
    if (!op) throw unsupported(ctx, node, 'this operator');
    return { k: 'arith', op, l: expression(ctx, l!), r: expression(ctx, r!) };
  }
  if (node instanceof P.ArithmeticUnaryContext) {
    if (node.BIT_NOT_OP()) throw unsupported(ctx, node, 'the operator ~');
    const e = expression(ctx, node.valueExpression());
    return node.HYPHEN_SIGN() ? { k: 'neg', e } : e;
  }
  // primary level
  if (node instanceof P.ParenthesizedExpressionContext) return expression(ctx, node.expression());
  if (node instanceof P.ColumnReferenceContext) {
    const uid = node.columnNamePath().uid();
    return { k: 'col', path: pathText(uid.identifier()), text: node.getText() };
  }
  if (node instanceof P.DereferenceContext) {
    const text = node.getText();
    return { k: 'col', path: text.split('.').map((p) => (p.startsWith('`') ? p.slice(1, -1) : p)), text };
  }
  if (node instanceof P.SubscriptContext) return { k: 'subscript', base: expression(ctx, node.primaryExpression()), index: expression(ctx, node.valueExpression()) };
  if (node instanceof P.CastContext) return { k: 'cast', expr: expression(ctx, node.expression()), to: sqlType(node.columnType()), try: false };
  if (node instanceof P.ConstantDefaultContext) return constant(ctx, node.constant());
  if (node instanceof P.SearchedCaseContext || node instanceof P.SimpleCaseContext) {
    const whens = node.whenClause().map((w) => ({ when: expression(ctx, w.expression(0)!), then: expression(ctx, w.expression(1)!) }));
    if (node instanceof P.SimpleCaseContext) {
      const exprs = node.expression();
      const operand = expression(ctx, exprs[0]!);
      const els = node.KW_ELSE() ? exprs[exprs.length - 1] : undefined;
      return { k: 'case', operand, whens, ...(els ? { else: expression(ctx, els) } : {}) };
    }
    const els = node.expression();
    return { k: 'case', whens, ...(els ? { else: expression(ctx, els) } : {}) };
  }
  if (node instanceof P.FunctionCallContext) return functionCall(ctx, node.functionCallExpression());
  throw unsupported(ctx, node, `the expression ${JSON.stringify(sourceText(ctx, node).replace(/\s+/g, ' ').slice(0, 60))}`);
}

function functionCall(ctx: Ctx, f: P.FunctionCallExpressionContext): Expr {
  if (f.reservedKeywordsNoParamsUsedAsFuncName()) throw unsupported(ctx, f, `the function ${f.getText()}`);
  const nameNode = f.functionNameWithParams() ?? f.functionNameAndParams();
  const name = (nameNode?.getText() ?? f.start?.text ?? '?').toUpperCase();
  if (f.setQuantifier()) throw unsupported(ctx, f, `${name}(DISTINCT ...) (aggregation)`);
  if (!SUPPORTED_FUNCTIONS.has(name)) throw unsupported(ctx, f, `the function ${name}`);
  const args = f.functionParam().map((p) => {
    const e = p.expression();
    if (!e) throw unsupported(ctx, p, `this argument of ${name}`);
    return expression(ctx, e);
  });
  return { k: 'call', fn: name, args };
}

function constant(ctx: Ctx, c: P.ConstantContext): Expr {
  const s = c.stringLiteral();
  if (s) return { k: 'lit', value: substitute(unquote(s.getText()), ctx.values) };
  if (c.KW_NULL()) return { k: 'lit', value: null };
  const b = c.booleanLiteral();
  if (b) return { k: 'lit', value: b.KW_TRUE() !== null };
  const d = c.decimalLiteral();
  const real = c.REAL_LITERAL();
  if (d || real) {
    const n = Number((d ?? real)!.getText());
    return { k: 'lit', value: c.HYPHEN_SIGN() ? -n : n };
  }
  throw unsupported(ctx, c, `the literal ${c.getText()}`);
}

function predicate(ctx: Ctx, value: Expr, p: P.PredicateContext): Expr {
  const not = p.KW_NOT() !== null;
  const like = p.likePredicate();
  if (like) {
    if (like.KW_ANY() || like.KW_ALL()) throw unsupported(ctx, like, 'LIKE ANY / LIKE ALL');
    const pattern = like.valueExpression();
    if (!pattern) throw unsupported(ctx, like, 'this LIKE form');
    const esc = like.stringLiteral();
    return { k: 'like', e: value, pattern: expression(ctx, pattern), not: like.KW_NOT() !== null, ...(esc ? { escape: unquote(esc.getText()) } : {}) };
  }
  if (p.KW_BETWEEN()) {
    if (p.KW_SYMMETRIC()) throw unsupported(ctx, p, 'BETWEEN SYMMETRIC');
    const [lo, hi] = p.valueExpression();
    return { k: 'between', e: value, lo: expression(ctx, lo!), hi: expression(ctx, hi!), not };
  }
  if (p.KW_IN()) {
    if (p.queryStatement()) throw unsupported(ctx, p, 'IN (subquery)');
    return { k: 'in', e: value, list: p.expression().map((e) => expression(ctx, e)), not };
  }
  if (p.KW_IS() && !p.KW_DISTINCT() && !p.KW_JSON()) {
    if (p.KW_UNKNOWN()) throw unsupported(ctx, p, 'IS UNKNOWN');
    const what = p.KW_TRUE() ? 'TRUE' : p.KW_FALSE() ? 'FALSE' : 'NULL';
    return { k: 'is', e: value, what, not };
  }
  throw unsupported(ctx, p, `the predicate ${JSON.stringify(sourceText(ctx, p).replace(/\s+/g, ' ').slice(0, 60))}`);
}

export { exprText };
