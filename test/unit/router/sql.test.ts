/** The embedded engine's SQL front end: the routing file plans, the subset is enforced with positions, and
 * expressions follow Flink's semantics. No Kafka here: rows are evaluated with RxjsRouter.evaluate. */
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isKamfError, type KamfError } from '../../../src/core/errors.js';
import { pkgPath } from '../../../src/core/paths.js';
import { RxjsRouter } from '../../../src/router/engine.js';
import { formatPlan, planRoutingSql } from '../../../src/router/index.js';
import { findPlaceholders, resolvePlaceholders, substituteSql } from '../../../src/router/placeholders.js';

const vars = { KAFKA_BROKERS: 'b1:9092' };
const routingSql = readFileSync(pkgPath('flink-sql', 'routing.sql'), 'utf8');

function refused(sql: string): KamfError {
  try {
    planRoutingSql(sql, vars, 'test.sql');
  } catch (err) {
    if (isKamfError(err)) return err;
    throw err;
  }
  throw new Error('expected the SQL to be refused');
}

const source = `CREATE TABLE src (
  k BYTES,
  v BYTES,
  headers MAP<STRING, BYTES> METADATA,
  ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL
) WITH ('connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}', 'properties.group.id' = 'g',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
CREATE TABLE out1 (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH ('connector' = 'kafka', 'topic' = 'out1',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}', 'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
`;

const h = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]));
const router = (sql: string) => new RxjsRouter({ plan: planRoutingSql(sql, vars, 'test.sql'), kafkaFor: () => ({}) as Kafka });

describe('routing.sql', () => {
  const plan = planRoutingSql(routingSql, { ...vars, KAMF_TOPIC_PREFIX: 't.' }, 'routing.sql');

  it('plans one source, nine sinks and nine routes', () => {
    expect(plan.sources).toEqual(['ingress']);
    expect(plan.tables.ingress!.topic).toBe('t.a2a.ingress');
    expect(plan.tables.ingress!.brokers).toEqual(['b1:9092']);
    expect(plan.sinks).toHaveLength(9);
    expect(plan.routes.map((r) => r.sink)).toContain('unroutable');
    expect(formatPlan(plan)).toContain('[1:data_high] routed -> data_high (t.agent.data.requests.high)');
  });

  it('routes by target, skill, priority, fan-out, and sends the rest to a2a.unroutable', () => {
    const r = router(routingSql);
    const sinks = (headers: Record<string, string>) => r.evaluate('ingress', { k: Buffer.from('key'), v: Buffer.from([0, 1]), headers: h(headers), ts: 0 }).map((o) => o.sink);
    expect(sinks({ 'kamf-target-agent': 'echo' })).toEqual(['echo_normal']);
    expect(sinks({ 'kamf-target-agent': 'data', 'kamf-priority': 'HIGH' })).toEqual(['data_high']);
    expect(sinks({ 'kamf-skill': 'top_issues' })).toEqual(['cs_normal']);
    expect(sinks({ 'kamf-skill': 'greet', 'kamf-priority': 'urgent' })).toEqual(['echo_high']);
    expect(sinks({ 'kamf-target-agent': 'data, cs' })).toEqual(['data_normal', 'cs_normal']);
    expect(sinks({ 'kamf-target-agent': 'nobody' })).toEqual(['unroutable']);
    expect(sinks({ 'kamf-target-agent': 'echo', 'kamf-skill': 'win_rate' })).toEqual(['echo_normal']); // a target wins over a skill
    expect(sinks({})).toEqual(['unroutable']);
  });

  it('passes key, value and headers through untouched', () => {
    const headers = h({ 'kamf-target-agent': 'echo', 'kamf-correlation-id': 'c1' });
    const [out] = router(routingSql).evaluate('ingress', { k: Buffer.from('ctx'), v: Buffer.from([0, 0, 0, 0, 7, 1]), headers, ts: 0 });
    expect(out!.values.k).toEqual(Buffer.from('ctx'));
    expect(out!.values.v).toEqual(Buffer.from([0, 0, 0, 0, 7, 1]));
    expect(out!.values.headers).toBe(headers);
  });
});

describe('the subset is enforced at load time', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['GROUP BY', `INSERT INTO out1 SELECT k, v, headers FROM src GROUP BY k, v, headers;`, /GROUP BY/],
    ['JOIN', `INSERT INTO out1 SELECT a.k, a.v, a.headers FROM src a JOIN src b ON a.k = b.k;`, /JOIN/],
    ['an unknown function', `INSERT INTO out1 SELECT k, v, headers FROM src WHERE JSON_VALUE(CAST(v AS STRING), '$.a') = 'x';`, /JSON_VALUE/],
    ['a window', `INSERT INTO out1 SELECT k, v, headers FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTES));`, /FROM item|window/],
    ['DISTINCT', `INSERT INTO out1 SELECT DISTINCT k, v, headers FROM src;`, /DISTINCT/],
  ];
  for (const [what, insert, construct] of cases) {
    it(`refuses ${what} with the statement, its position and the hint`, () => {
      const err = refused(`${source}${insert}\n`);
      expect(err.code).toBe('ROUTER_SQL_UNSUPPORTED');
      expect(err.message).toMatch(construct);
      expect(err.message).toMatch(/^test\.sql:10:\d+: /); // the INSERT is on line 10
      expect(err.message).toContain('statement at line 10, column 1: INSERT INTO out1');
      expect(err.message).toContain('Run it with the Flink engine: kamf route --engine flink test.sql');
      expect(err.details).toMatchObject({ line: 10, statement: expect.stringContaining('INSERT INTO out1') });
    });
  }

  it('refuses other connectors and formats at the option', () => {
    const err = refused(source.replace("'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');\nCREATE TABLE out1", "'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY');\nCREATE TABLE out1") + 'INSERT INTO out1 SELECT k, v, headers FROM src;');
    expect(err.code).toBe('ROUTER_SQL_UNSUPPORTED');
    expect(err.message).toContain("the value format 'json'");
    expect(err.message).toMatch(/test\.sql:6:\d+/);
  });

  it("explains that Flink has no 'key' metadata", () => {
    const err = refused(source.replace('k BYTES,\n  v BYTES', "k BYTES METADATA FROM 'key',\n  v BYTES") + 'INSERT INTO out1 SELECT k, v, headers FROM src;');
    expect(err.code).toBe('ROUTER_SQL_INVALID');
    expect(err.message).toContain("no 'key' metadata");
  });

  it('refuses what Flink would refuse: comparing BYTES with a string', () => {
    const err = refused(`${source}INSERT INTO out1 SELECT k, v, headers FROM src WHERE headers['kamf-target-agent'] = 'echo';\n`);
    expect(err.code).toBe('ROUTER_SQL_INVALID');
    expect(err.message).toContain("CAST(headers['kamf-target-agent'] AS STRING)");
  });

  it('refuses a CAST from BYTES to a number, as Flink does', () => {
    const err = refused(`${source}INSERT INTO out1 SELECT k, v, headers FROM src WHERE CAST(headers['n'] AS INT) > 1;\n`);
    expect(err.code).toBe('ROUTER_SQL_INVALID');
    expect(err.message).toContain("CAST(CAST(headers['n'] AS STRING) AS INT)");
  });

  it('reports syntax errors with their position', () => {
    const err = refused(`${source}INSERT INTO out1 SELEC k FROM src;`);
    expect(err.code).toBe('ROUTER_SQL_SYNTAX');
    expect(err.message).toMatch(/test\.sql:10:\d+/);
  });

  it('wants every placeholder to have a value or a default', () => {
    expect(() => planRoutingSql(source, {}, 'test.sql')).toThrow(/KAFKA_BROKERS\} at test\.sql:6/);
    expect(findPlaceholders("'${A:-x}' '${B}'").map((p) => [p.name, p.default])).toEqual([['A', 'x'], ['B', undefined]]);
    expect(substituteSql("'${A}'", resolvePlaceholders("'${A}'", { A: "it's" }))).toBe("'it''s'");
  });
});

describe('expressions follow Flink semantics', () => {
  const evalWhere = (where: string, headers: Record<string, string>, k: string | null = 'key') =>
    router(`${source}INSERT INTO out1 SELECT k, v, headers FROM src WHERE ${where};`).evaluate('src', { k: k === null ? null : Buffer.from(k), v: Buffer.from('v'), headers: h(headers), ts: 0 }).length === 1;

  it('three-valued logic: a missing header makes comparisons UNKNOWN, and NOT UNKNOWN is still not TRUE', () => {
    expect(evalWhere(`CAST(headers['x'] AS STRING) = 'a'`, {})).toBe(false);
    expect(evalWhere(`NOT (CAST(headers['x'] AS STRING) = 'a')`, {})).toBe(false);
    expect(evalWhere(`CAST(headers['x'] AS STRING) = 'a' OR TRUE`, {})).toBe(true);
    expect(evalWhere(`CAST(headers['x'] AS STRING) IS NULL`, {})).toBe(true);
    expect(evalWhere(`CAST(headers['x'] AS STRING) NOT IN ('a', 'b')`, { x: 'c' })).toBe(true);
    expect(evalWhere(`CAST(headers['x'] AS STRING) NOT IN ('a', CAST(NULL AS STRING))`, { x: 'c' })).toBe(false);
    expect(evalWhere(`k IS NOT NULL`, {}, null)).toBe(false);
  });

  it('LIKE, CASE, functions and numbers', () => {
    expect(evalWhere(`CAST(headers['x'] AS STRING) LIKE 'ab_d%'`, { x: 'abcdef' })).toBe(true);
    expect(evalWhere(`CAST(headers['x'] AS STRING) LIKE 'AB%'`, { x: 'abc' })).toBe(false);
    expect(evalWhere(`CAST(headers['x'] AS STRING) LIKE '10!%' ESCAPE '!'`, { x: '10%' })).toBe(true);
    expect(evalWhere(`UPPER(TRIM(CAST(headers['x'] AS STRING))) = 'HI'`, { x: '  hi ' })).toBe(true);
    expect(evalWhere(`CASE WHEN CAST(headers['p'] AS STRING) = 'h' THEN 1 ELSE 2 END = 2`, {})).toBe(true);
    expect(evalWhere(`CASE CAST(headers['p'] AS STRING) WHEN 'h' THEN 'x' END IS NULL`, { p: 'n' })).toBe(true);
    expect(evalWhere(`CAST(CAST(headers['n'] AS STRING) AS INT) * 2 BETWEEN 5 AND 7`, { n: '3' })).toBe(true);
    expect(evalWhere(`7 / 2 = 3`, {})).toBe(true);
    expect(evalWhere(`CONCAT('a', CAST(headers['x'] AS STRING)) IS NULL`, {})).toBe(true);
    expect(evalWhere(`COALESCE(CAST(headers['x'] AS STRING), 'd') = 'd'`, {})).toBe(true);
    expect(evalWhere(`SPLIT_INDEX(CAST(headers['x'] AS STRING), ',', 1) = 'b'`, { x: 'a,b,c' })).toBe(true);
  });

  it('evaluation errors become dead letters, not crashes', () => {
    const r = router(`${source}INSERT INTO out1 SELECT k, v, headers FROM src WHERE CAST(CAST(headers['n'] AS STRING) AS INT) > 1;`);
    expect(() => r.evaluate('src', { k: null, v: null, headers: h({ n: 'x' }), ts: 0 })).toThrow(/CAST\("x" AS INT\) failed/);
    try {
      r.evaluate('src', { k: null, v: null, headers: h({ n: 'x' }), ts: 0 });
    } catch (err) {
      expect(isKamfError(err, 'ROUTER_EVAL_FAILED')).toBe(true);
    }
  });
});
