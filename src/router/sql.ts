/**
 * Flink SQL -> routing plan, for the embedded engine.
 *
 * The file is parsed with dt-sql-parser's FlinkSQL grammar (an ANTLR grammar of Flink's own SQL), so what the
 * embedded engine accepts is a subset of what Flink accepts. Everything outside the subset is refused here, at
 * load time, with the statement, the position of the construct and the hint to run the file on Flink. The subset
 * is documented in docs/routing.md; `SUPPORTED_FUNCTIONS` (sql/expressions.ts) and `TABLE_OPTIONS`
 * (sql/tables.ts) are its machine-readable part.
 *
 * This module is the compile phase only: it walks the statements and leaves each to its step in sql/ (parse.ts,
 * tables.ts, select.ts, routes.ts, expressions.ts). The run phase (engine.ts) never imports it, so running a plan
 * does not load the parser.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FlinkSqlParser as P } from './flink-grammar.js';
import type { RouterPlan } from './plan.js';
import { resolvePlaceholders, type Vars } from './placeholders.js';
import { firstWords, invalid, parseFlinkSql, sourceText, unsupported, type Ctx } from './sql/parse.js';
import { createTable, propertyKey, propertyValue } from './sql/tables.js';
import { createView, insertInto } from './sql/routes.js';

export { exprText } from './expr.js';
export { SUPPORTED_FUNCTIONS } from './sql/expressions.js';
export { relationColumns } from './relations.js';

/** Reads and plans a routing file. `vars` fills the placeholders (process.env is NOT consulted here). */
export function loadRoutingFile(path: string, vars: Vars): RouterPlan {
  return planRoutingSql(readFileSync(path, 'utf8'), vars, path);
}

export function planRoutingSql(text: string, vars: Vars, file = 'routing.sql'): RouterPlan {
  const name = basename(file);
  const values = resolvePlaceholders(text, vars, name);
  const tree = parseFlinkSql(text, name);
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
