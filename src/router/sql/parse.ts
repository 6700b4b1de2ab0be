/**
 * Parsing a routing file with dt-sql-parser's FlinkSQL grammar, and what every planning step needs from the tree:
 * positions, source text, identifiers and the two planning errors. Kept apart so the steps share one vocabulary.
 */
import type { ParserRuleContext } from 'antlr4ng';
import { KamfError } from '../../core/errors.js';
import { FlinkSQL, type FlinkSqlParser } from '../flink-grammar.js';
import type { Position } from '../plan.js';

const HINT = 'Run it with the Flink engine: kamf route --engine flink <file>';

/** What the planning steps carry through one file. */
export interface Ctx {
  file: string;
  /** The path as given, for the copy-pasteable hint. */
  path: string;
  text: string;
  values: Record<string, string>;
  /** The statement being translated, for error messages. */
  statement?: ParserRuleContext;
}

/** Parses the file as Flink SQL; a syntax error is a ROUTER_SQL_SYNTAX listing the first few. */
export function parseFlinkSql(text: string, name: string): FlinkSqlParser.ProgramContext {
  const sql = new FlinkSQL();
  const errors: Array<{ startLine: number; startColumn: number; message: string }> = [];
  const tree = sql.parse(text, (e) => errors.push(e as never));
  if (errors.length > 0) {
    const list = errors.slice(0, 5).map((e) => `  ${name}:${e.startLine}:${e.startColumn}: ${e.message}`).join('\n');
    const placeholderHint = /\$/.test(list) ? '\nPlaceholders (${NAME}) are only allowed inside string literals.' : '';
    // the embedded engine reads Flink SQL with a grammar that lags Flink's own (TRY_CAST, TRIM(BOTH ...),
    // SUBSTRING(... FROM ...), CHAR_LENGTH): what it cannot read may still be valid Flink SQL
    throw new KamfError('ROUTER_SQL_SYNTAX', `${name}: the embedded engine cannot read this SQL:\n${list}${placeholderHint}`, {
      details: { errors: errors.slice(0, 20) },
      hint: `If it is valid Flink SQL, run it on Flink, which parses it itself: kamf route --engine flink ${name}`,
    });
  }
  return tree;
}

// ---- errors ---------------------------------------------------------------------------------------------------

export function pos(node: ParserRuleContext): Position {
  return { line: node.start?.line ?? 0, column: (node.start?.column ?? 0) + 1 };
}

export function sourceText(ctx: Ctx, node: ParserRuleContext): string {
  const from = node.start?.start ?? 0;
  const to = node.stop?.stop ?? from;
  return ctx.text.slice(from, to + 1);
}

function statementExcerpt(ctx: Ctx): string {
  if (!ctx.statement) return '';
  const text = sourceText(ctx, ctx.statement).replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export function unsupported(ctx: Ctx, node: ParserRuleContext, what: string): KamfError {
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

export function invalid(ctx: Ctx, node: ParserRuleContext, message: string): KamfError {
  const p = pos(node);
  return new KamfError('ROUTER_SQL_INVALID', `${ctx.file}:${p.line}:${p.column}: ${message}\n  statement: ${statementExcerpt(ctx)}`, {
    details: { file: ctx.file, line: p.line, column: p.column, statement: statementExcerpt(ctx) },
  });
}

// ---- names and literals ---------------------------------------------------------------------------------------

export function firstWords(text: string): string {
  return text.trim().split(/\s+/).slice(0, 3).join(' ').toUpperCase();
}

export function identifierText(node: ParserRuleContext): string {
  const t = node.getText();
  return t.startsWith('`') && t.endsWith('`') ? t.slice(1, -1).replaceAll('``', '`') : t;
}

export function pathText(ids: ParserRuleContext[]): string[] {
  return ids.map(identifierText);
}

/** `a.b` or `\`a\`.\`b\`` as written in a table path. */
export function dottedName(node: ParserRuleContext): string {
  return node
    .getText()
    .split('.')
    .map((p) => (p.startsWith('`') && p.endsWith('`') ? p.slice(1, -1) : p))
    .join('.');
}

export function unquote(literal: string): string {
  // 'a''b' -> a'b; Flink also accepts adjacent literals and E'' escapes, which we do not
  return literal.slice(1, -1).replaceAll("''", "'");
}
