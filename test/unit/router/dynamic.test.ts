/**
 * Dynamic routing, the pure parts: flink-sql/routing-dynamic.sql planned (a temporal join with an upsert-kafka
 * lookup table, a sink whose rows name their topic), evaluated against lookup rows put in place by hand, the
 * subset's refusals around joins and 'topic-pattern', the lookup table's record decoding, the sink's topic check,
 * and the routes projection computed from live agents.
 */
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentCard } from '@a2a-js/sdk';
import { routeRows, routeWrites, type LiveAgent } from '../../../src/binding/registry/index.js';
import { isKamfError, type KamfError } from '../../../src/core/errors.js';
import { pkgPath } from '../../../src/core/paths.js';
import { RxjsRouter } from '../../../src/router/engine.js';
import { topicOf } from '../../../src/router/engine/destinations.js';
import { formatPlan, planRoutingSql } from '../../../src/router/index.js';
import { lookupRow } from '../../../src/router/lookup.js';
import { lookupRef, lookupRows } from '../../../src/router/lookup-state.js';
import { resolvePlaceholders, substituteSql } from '../../../src/router/placeholders.js';
import { routesTopicsIn } from '../../../src/router/routes-projection.js';

const brokers = `b-${process.pid}:9092`;
const vars = { KAFKA_BROKERS: brokers, KAMF_TOPIC_PREFIX: 'u.' };
const dynamicSql = readFileSync(pkgPath('flink-sql', 'routing-dynamic.sql'), 'utf8');
const rows = lookupRows(lookupRef([brokers], 'u.agent.routes'));
afterEach(() => rows.clear());

const h = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]));

function refused(sql: string): KamfError {
  try {
    planRoutingSql(sql, vars, 'test.sql');
  } catch (err) {
    if (isKamfError(err)) return err;
    throw err;
  }
  throw new Error('expected the SQL to be refused');
}

const tables = `CREATE TABLE src (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}', 'properties.group.id' = 'g',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
CREATE TABLE lk (id STRING, agent STRING, n INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka', 'topic' = 'lk',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}', 'key.format' = 'raw', 'value.format' = 'json');
CREATE TABLE plain (id STRING) WITH ('connector' = 'kafka', 'topic' = 'plain', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'value.format' = 'raw');
CREATE TABLE out1 (k BYTES, v BYTES, d STRING METADATA FROM 'topic') WITH ('connector' = 'kafka', 'topic-pattern' = 'agent\\.[a-z]+\\.requests',
  'properties.bootstrap.servers' = '\${KAFKA_BROKERS}', 'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
`;

describe('routing-dynamic.sql on the embedded engine', () => {
  const plan = planRoutingSql(dynamicSql, vars, 'routing-dynamic.sql');
  const router = new RxjsRouter({ plan, kafkaFor: () => ({}) as Kafka });
  const route = (headers: Record<string, string>) =>
    router
      .evaluate('ingress', { k: Buffer.from('key'), v: Buffer.from('v'), headers: h(headers), ts: 1 })
      .map((o) => `${o.sink}:${String(o.values.dest ?? '')}`)
      .sort();

  it('plans the lookup table, the join and the sink whose rows name their topic', () => {
    expect(plan.lookups).toEqual(['routes']);
    expect(plan.tables.routes).toMatchObject({ topic: 'u.agent.routes', upsert: { primaryKey: 'route' }, format: 'json', watermark: 'WATERMARK FOR updated AS updated' });
    expect(plan.tables.agent_requests).toMatchObject({ topicPattern: 'u.agent\\.[A-Za-z0-9._-]+\\.requests(\\.high)?', topicColumn: 'dest' });
    expect(plan.sources).toEqual(['ingress']);
    expect(plan.settings['table.exec.source.idle-timeout']).toBe('1 s');
    const text = formatPlan(plan);
    expect(text).toContain('routes: topic u.agent.routes, key route, json value');
    expect(text).toContain('agent_requests: topic from column dest');
  });

  it('routes by skill to every live agent offering it, by target to a live agent, and the rest to a2a.unroutable', () => {
    expect(route({ 'kamf-skill': 'win_rate' })).toEqual(['unroutable:']);
    rows.set('skill:win_rate', { route: 'skill:win_rate', agents: 'data', updated: 1 });
    rows.set('skill:greet', { route: 'skill:greet', agents: 'echo,newbie', updated: 1 });
    rows.set('agent:newbie', { route: 'agent:newbie', agents: 'newbie', updated: 1 });
    expect(route({ 'kamf-skill': 'WIN_RATE' })).toEqual(['agent_requests:u.agent.data.requests']);
    expect(route({ 'kamf-skill': 'greet', 'kamf-priority': 'Urgent' })).toEqual(['agent_requests:u.agent.echo.requests.high', 'agent_requests:u.agent.newbie.requests.high']);
    expect(route({ 'kamf-target-agent': ' newbie ', 'kamf-skill': 'win_rate' })).toEqual(['agent_requests:u.agent.newbie.requests']);
    expect(route({ 'kamf-target-agent': 'ghost' })).toEqual(['unroutable:']);
    expect(route({})).toEqual(['unroutable:']);
    // the agent left: its key is gone, its requests are unroutable again
    rows.set('agent:newbie', { route: 'agent:newbie', agents: '', updated: 2 });
    rows.set('skill:greet', { route: 'skill:greet', agents: 'echo', updated: 2 });
    expect(route({ 'kamf-target-agent': 'newbie' })).toEqual(['unroutable:']);
    expect(route({ 'kamf-skill': 'greet' })).toEqual(['agent_requests:u.agent.echo.requests']);
  });

  it('fans out to at most four agents of a skill (the file has four INSERTs)', () => {
    rows.set('skill:many', { route: 'skill:many', agents: 'a,b,c,d,e', updated: 1 });
    expect(route({ 'kamf-skill': 'many' })).toEqual(['a', 'b', 'c', 'd'].map((a) => `agent_requests:u.agent.${a}.requests`));
  });
});

describe('temporal joins and topic-pattern sinks in the subset', () => {
  const lkRows = lookupRows(lookupRef([brokers], 'lk'));
  afterEach(() => lkRows.clear());

  it('an inner join keeps only rows whose key has a lookup row; qualified and unqualified columns', () => {
    const plan = planRoutingSql(
      `${tables}INSERT INTO out1 SELECT s.k, v, CONCAT('agent.', agent, '.requests') FROM src AS s JOIN lk FOR SYSTEM_TIME AS OF s.ts AS l ON CAST(s.headers['id'] AS STRING) = l.id WHERE l.n > 1;`,
      vars,
      'test.sql',
    );
    const r = new RxjsRouter({ plan, kafkaFor: () => ({}) as Kafka });
    const run = (id: string) => r.evaluate('src', { k: Buffer.from('k'), v: Buffer.from('v'), headers: h({ id }), ts: 0 }).map((o) => o.values.d);
    lkRows.set('x', { id: 'x', agent: 'one', n: 2 });
    lkRows.set('y', { id: 'y', agent: 'two', n: 1 });
    expect(run('x')).toEqual(['agent.one.requests']);
    expect(run('y')).toEqual([]);
    expect(run('z')).toEqual([]);
  });

  it('refuses the joins it cannot run, with the reason', () => {
    expect(refused(`${tables}INSERT INTO out1 SELECT s.k, s.v, 'agent.a.requests' AS d FROM src AS s JOIN lk AS l ON CAST(s.k AS STRING) = l.id;`).message).toMatch(
      /FOR SYSTEM_TIME AS OF is a regular join/,
    );
    expect(refused(`${tables}INSERT INTO out1 SELECT s.k, s.v, 'agent.a.requests' AS d FROM src AS s JOIN plain FOR SYSTEM_TIME AS OF s.ts AS p ON CAST(s.k AS STRING) = p.id;`)).toMatchObject({
      code: 'ROUTER_SQL_UNSUPPORTED',
      message: expect.stringMatching(/not an upsert-kafka table/),
    });
    expect(refused(`${tables}INSERT INTO out1 SELECT s.k, s.v, 'agent.a.requests' AS d FROM src AS s JOIN lk FOR SYSTEM_TIME AS OF s.ts AS l ON CAST(s.k AS STRING) = l.agent;`).message).toMatch(
      /must equal a column of src with l.id, the primary key/,
    );
    expect(refused(`${tables}INSERT INTO out1 SELECT s.k, s.v, 'agent.a.requests' AS d FROM src AS s JOIN lk FOR SYSTEM_TIME AS OF s.ts AS l ON s.k = l.id;`)).toMatchObject({
      code: 'ROUTER_SQL_INVALID',
      message: expect.stringMatching(/the join key s.k is BYTES.*CAST/),
    });
    expect(refused(`${tables}INSERT INTO out1 SELECT s.k, s.v, 'agent.a.requests' AS d FROM src AS s LEFT JOIN lk FOR SYSTEM_TIME AS OF s.v AS l ON CAST(s.k AS STRING) = l.id;`).message).toMatch(
      /FOR SYSTEM_TIME AS OF needs a time column/,
    );
    expect(refused(`${tables}INSERT INTO out1 SELECT k, v, 'agent.a.requests' AS d FROM src AS s RIGHT JOIN lk FOR SYSTEM_TIME AS OF s.ts AS l ON CAST(s.k AS STRING) = l.id;`).code).toBe('ROUTER_SQL_UNSUPPORTED');
    expect(refused(`${tables}INSERT INTO lk SELECT 'a' AS id, 'b' AS agent, 1 AS n FROM src;`).message).toMatch(/upsert-kafka table lk/);
    expect(refused(`${tables}CREATE TABLE bad (k BYTES, v BYTES) WITH ('connector' = 'kafka', 'topic-pattern' = 'x.*', 'properties.bootstrap.servers' = 'b:1',
      'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
      INSERT INTO bad SELECT k, v FROM src;`).message).toMatch(/no writable topic column/);
    expect(refused(`${tables}CREATE TABLE loop (k BYTES, v BYTES, d STRING METADATA FROM 'topic') WITH ('connector' = 'kafka', 'topic-pattern' = '.*', 'properties.bootstrap.servers' = 'b:1',
      'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
      INSERT INTO loop SELECT k, v, 'in' AS d FROM src;`).message).toMatch(/may write to in, the topic it reads: that is a loop/);
  });

  it('a row names its topic: matched against the pattern, its lane read from the name; NULL or outside fails the record', () => {
    const plan = planRoutingSql(`${tables}INSERT INTO out1 SELECT k, v, 'agent.a.requests' AS d FROM src;`, vars, 'test.sql');
    const to = topicOf(plan.tables.out1!, { destinations: { b: { concurrency: 2 } } });
    expect(to({ d: 'agent.b.requests' })).toEqual({ topic: 'agent.b.requests', destination: 'agent.b', priority: 1, shards: 2 });
    expect(() => to({ d: 'agent.B.requests' })).toThrow(/does not match its 'topic-pattern'/);
    expect(() => to({ d: 'xagent.b.requests' })).toThrow(/does not match/);
    expect(() => to({ d: null })).toThrow(/is NULL/);
  });
});

describe('lookup table records', () => {
  const plan = planRoutingSql(dynamicSql, vars, 'routing-dynamic.sql');
  const t = plan.tables.routes!;
  const rec = (key: string | null, value: string | null) => ({ key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: '42' });

  it('reads the key, the JSON fields by name and the timestamp; a tombstone deletes; not an object fails', () => {
    expect(lookupRow(t, rec('skill:x', '{"route":"skill:x","agents":"a,b","other":1}'))).toEqual({ key: 'skill:x', row: { route: 'skill:x', agents: 'a,b', updated: 42 } });
    expect(lookupRow(t, rec('skill:x', '{"agents":7}'))).toEqual({ key: 'skill:x', row: { route: 'skill:x', agents: '7', updated: 42 } });
    expect(lookupRow(t, rec('skill:x', null))).toEqual({ key: 'skill:x', row: undefined });
    expect(lookupRow(t, rec(null, '{}'))).toBeUndefined();
    expect(() => lookupRow(t, rec('k', '[1]'))).toThrow(/not a JSON object/);
    expect(() => lookupRow(t, rec('k', '{'))).toThrow();
  });
});

describe('the routes projection', () => {
  const agent = (name: string, skills: string[]): LiveAgent => ({ agentName: name, card: { name, skills: skills.map((id) => ({ id, name: id, description: '', tags: [] })) } as unknown as AgentCard, instances: [] });

  it('one row per skill (lower case) with its agents sorted, one per live agent', () => {
    const rows = routeRows([agent('data', ['win_rate', 'Shared']), agent('cs', ['shared'])]);
    expect([...rows.values()]).toEqual([
      { route: 'agent:cs', agents: 'cs' },
      { route: 'agent:data', agents: 'data' },
      { route: 'skill:shared', agents: 'cs,data' },
      { route: 'skill:win_rate', agents: 'data' },
    ]);
  });

  it('writes what differs and empties (no tombstone) what no live agent backs', () => {
    const desired = routeRows([agent('data', ['win_rate'])]);
    const current = new Map([
      ['agent:data', '{"route":"agent:data","agents":"data"}'],
      ['skill:win_rate', '{"route":"skill:win_rate","agents":"cs,data"}'],
      ['agent:cs', '{"route":"agent:cs","agents":"cs"}'],
    ]);
    expect(routeWrites(current, desired)).toEqual([
      { key: 'skill:win_rate', value: '{"route":"skill:win_rate","agents":"data"}' },
      { key: 'agent:cs', value: '{"route":"agent:cs","agents":""}' },
    ]);
    expect(routeWrites(new Map([...desired].map(([k, r]) => [k, JSON.stringify(r)])), desired)).toEqual([]);
    expect(routeWrites(new Map([['agent:cs', '{"route":"agent:cs","agents":""}']]), desired)).toEqual([{ key: 'agent:data', value: '{"route":"agent:data","agents":"data"}' }, { key: 'skill:win_rate', value: '{"route":"skill:win_rate","agents":"data"}' }]);
  });
});

describe('which files get a routes projector', () => {
  it('an upsert-kafka table on <prefix>agent.routes, with the registry of the same prefix; nothing else', () => {
    const sql = planless(dynamicSql, 'p.');
    expect(routesTopicsIn(sql)).toEqual([{ topic: 'p.agent.routes', registryTopic: 'p.agent.registry' }]);
    expect(routesTopicsIn(planless(readFileSync(pkgPath('flink-sql', 'routing.sql'), 'utf8'), ''))).toEqual([]);
    expect(routesTopicsIn(`CREATE TABLE x (a STRING) WITH ('connector' = 'kafka', 'topic' = 'agent.routes');`)).toEqual([]);
  });
});

function planless(text: string, prefix: string): string {
  return substituteSql(text, resolvePlaceholders(text, { KAFKA_BROKERS: 'b:1', KAMF_TOPIC_PREFIX: prefix }, 'f.sql'));
}
