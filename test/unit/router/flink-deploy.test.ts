/** Pointing Flink's errors at the file: the SQL Client's history, statement positions, Java exception chains. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateStatement, readHistory } from '../../../src/router/flink-deploy.js';
import { flinkReason } from '../../../src/router/flink-gateway.js';

describe('Flink deploy helpers', () => {
  it('reads the SQL Client history (jline escapes)', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'kamf-hist-')), 'history');
    writeFileSync(f, "1:SET 'a' = 'b';\n2:INSERT INTO t\\n  SELECT '\\\\n' FROM s;\n");
    expect(readHistory(f)).toEqual(["SET 'a' = 'b';", "INSERT INTO t\n  SELECT '\\n' FROM s;"]);
  });

  it('locates a statement in the file, with or without its semicolon there', () => {
    const text = 'CREATE TABLE a (x INT);\n\n-- c\nINSERT INTO a\n  SELECT 1\n';
    expect(locateStatement(text, 'INSERT INTO a\n  SELECT 1;')).toEqual({ offset: 30, line: 4, column: 1 });
    expect(locateStatement(text, 'CREATE TABLE a (x INT);')).toMatchObject({ line: 1, column: 1 });
    expect(locateStatement(text, 'DROP TABLE a;')).toBeUndefined();
  });

  it('takes the most specific message of a Java exception chain, keeping a position', () => {
    const trace = [
      'org.apache.flink.table.api.ValidationException: SQL validation failed. x',
      '\tat a.b(C.java:1)',
      'Caused by: org.apache.calcite.runtime.CalciteContextException: From line 2, column 13 to line 2, column 24: Cannot apply CONCAT',
      'Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Cannot apply CONCAT',
    ].join('\n');
    expect(flinkReason(trace)).toBe('From line 2, column 13 to line 2, column 24: Cannot apply CONCAT');
    expect(flinkReason('x\nCaused by: a.B: Encountered ">" at line 1, column 5.')).toBe('Encountered ">" at line 1, column 5.');
  });
});
