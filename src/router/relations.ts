/**
 * The columns a relation (a table or a view) offers, with their types. Shared by the planner (binding columns)
 * and the embedded engine (typing compiled expressions), so it lives here, away from the SQL parser.
 */
import { inferType } from './expr.js';
import type { RouterPlan, SqlType } from './plan.js';

/** The columns a relation (table or view) offers to a SELECT over it. */
export function relationColumns(plan: RouterPlan, name: string): Array<{ name: string; type: SqlType }> | undefined {
  const t = plan.tables[name];
  if (t) return t.columns.map((c) => ({ name: c.name, type: c.type }));
  const v = plan.views[name];
  if (v) return v.columns.map((c) => ({ name: c.name, type: inferType(c.expr, (col) => lookupType(plan, v.from, col)) }));
  return undefined;
}

export function lookupType(plan: RouterPlan, relation: string, path: string[]): SqlType | undefined {
  return relationColumns(plan, relation)?.find((c) => c.name === path[path.length - 1])?.type;
}
