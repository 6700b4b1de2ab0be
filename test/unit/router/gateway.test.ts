/** The SQL Gateway client against a fake gateway: sessions, statements in order, polling, job ids, errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pkgPath } from '../../../src/core/paths.js';
import { splitStatements, submitToGateway } from '../../../src/router/flink-engine.js';
import { resolvePlaceholders, substituteSql } from '../../../src/router/placeholders.js';

const routing = readFileSync(pkgPath('flink-sql', 'routing.sql'), 'utf8');
const sql = substituteSql(routing, resolvePlaceholders(routing, { KAFKA_BROKERS: 'kafka:29092' }));

function fakeGateway(failOn?: RegExp) {
  const statements: string[] = [];
  let polls = 0;
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const path = new URL(url).pathname;
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
    if (init?.method === 'POST' && path === '/v1/sessions') return json({ sessionHandle: 's1' });
    if (init?.method === 'POST' && path === '/v1/sessions/s1/statements') {
      statements.push(JSON.parse(String(init.body)).statement);
      return json({ operationHandle: `op${statements.length}` });
    }
    const status = /^\/v1\/sessions\/s1\/operations\/op(\d+)\/status$/.exec(path);
    if (status) {
      const stmt = statements[Number(status[1]) - 1]!;
      if (failOn?.test(stmt)) return json({ status: 'ERROR' });
      return json({ status: polls++ % 2 === 0 ? 'RUNNING' : 'FINISHED' });
    }
    const result = /^\/v1\/sessions\/s1\/operations\/op(\d+)\/result\/0$/.exec(path);
    if (result) {
      const stmt = statements[Number(result[1]) - 1]!;
      if (failOn?.test(stmt)) return json({ errors: ['org.apache.flink.table.api.ValidationException: boom'] }, 500);
      return json(/^EXECUTE/.test(stmt) ? { jobID: '0123456789abcdef0123456789abcdef', results: { data: [] } } : { results: { data: [{ fields: ['OK'] }] } });
    }
    return json({ errors: [`unexpected ${init?.method} ${path}`] }, 404);
  }) as typeof fetch;
  return { fetchImpl, statements };
}

describe('Flink SQL Gateway submission', () => {
  it('splits the routing file like the SQL client: DDL one by one, the statement set as one', () => {
    const parts = splitStatements(sql);
    expect(parts).toHaveLength(1 + 9 + 2 + 1);
    expect(parts.at(-1)).toMatch(/^EXECUTE STATEMENT SET\s+BEGIN[\s\S]*INSERT INTO unroutable[\s\S]*END$/);
    expect(parts[0]).toContain("'properties.bootstrap.servers' = 'kafka:29092'");
    expect(parts.every((p) => !p.endsWith(';'))).toBe(true);
  });

  it('submits every statement in order and reports the job id', async () => {
    const gw = fakeGateway();
    const r = await submitToGateway({ url: 'http://gw:8083/', sql, fetchImpl: gw.fetchImpl, pollMs: 1 });
    expect(r).toEqual({ sessionHandle: 's1', jobIds: ['0123456789abcdef0123456789abcdef'] });
    expect(gw.statements).toEqual(splitStatements(sql));
  });

  it('fails with the statement and the gateway error', async () => {
    const gw = fakeGateway(/CREATE TEMPORARY VIEW routed/);
    await expect(submitToGateway({ url: 'http://gw:8083', sql, fetchImpl: gw.fetchImpl, pollMs: 1 })).rejects.toMatchObject({
      code: 'ROUTER_GATEWAY_ERROR',
      message: expect.stringMatching(/Statement failed on the SQL Gateway \(ERROR\): CREATE TEMPORARY VIEW routed[\s\S]*ValidationException: boom/),
    });
  });
});
