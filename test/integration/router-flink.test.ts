/**
 * The Flink engine against a real Apache Flink 1.20 session cluster (JobManager, TaskManager, SQL Gateway started
 * from Maven Central jars by src/infra/flink-cluster.ts, ONE per file, dying with the test run):
 * - a routing file the embedded engine does not run (TRY_CAST, TRIM(BOTH ...), SUBSTRING(... FROM ... FOR ...),
 *   INITCAP, BEGIN STATEMENT SET; ... END; and a WHERE ending in CASE ... END) is deployed, listed, replaced (stop
 *   with savepoint, start from it: no record twice, none lost) and stopped through the SQL Gateway;
 * - Flink's own errors come back pointed at the file (line and column of the file, not of the statement);
 * - a job that fails at run time ends FAILED after its restart budget and `done` rejects with Flink's cause.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import type { A2ARequest } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { createKafka, resolveEndpoints } from '../../src/core/kafka.js';
import { pkgPath } from '../../src/core/paths.js';
import { FlinkCluster } from '../../src/infra/flink-cluster.js';
import { consoleProgress } from '../../src/infra/progress.js';
import fc from 'fast-check';
import { compile, inferType, renderValue } from '../../src/router/expr.js';
import type { Expr, SqlType } from '../../src/router/plan.js';
import { relationColumns } from '../../src/router/sql.js';
import { GatewaySession, listRoutingJobs, planRoutingSql, routerVars, startRouter, stopRouting, type GatewayColumn, type RunningRouter } from '../../src/router/index.js';
import { DYNAMIC_EXPECTED, dynamicScenario } from '../support/dynamic-routing.js';
import { testConfig } from '../support/infra.js';

const id = randomUUID().slice(0, 6);
const prefix = `fl-${id}.`;
const work = mkdtempSync(join(tmpdir(), 'kamf-flink-'));
let cluster: FlinkCluster;
let kafka: Kafka;
const config = testConfig();

const outsideSubset = `-- valid Flink SQL outside the embedded subset
CREATE TABLE ingress (k BYTES, v BYTES) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}in', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.group.id' = '\${KAMF_TOPIC_PREFIX}router', 'properties.auto.offset.reset' = 'earliest', 'scan.startup.mode' = 'group-offsets',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY'
);
CREATE TABLE shaped (k BYTES, v STRING) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}out', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY', 'sink.delivery-guarantee' = 'at-least-once'
);
BEGIN STATEMENT SET;
INSERT INTO shaped
  SELECT k, CONCAT(INITCAP(TRIM(BOTH ' ' FROM CAST(v AS STRING))), '/', SUBSTRING(CAST(v AS STRING) FROM 2 FOR 3), '/',
                   COALESCE(CAST(TRY_CAST(CAST(v AS STRING) AS INT) AS STRING), 'nan'))
  FROM ingress
  WHERE CASE WHEN CAST(v AS STRING) LIKE 'skip%' THEN FALSE ELSE TRUE END;
END;
`;

async function produce(topic: string, values: string[]): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic, messages: values.map((v, i) => ({ key: `k${i}`, value: v })) });
  await p.disconnect();
}

async function readValues(topic: string, expected: number, quietMs = 3000, timeoutMs = 90_000): Promise<string[]> {
  const out: string[] = [];
  const consumer = kafka.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let last = Date.now();
  void consumer.run({
    eachMessage: async ({ message }) => {
      out.push(message.value?.toString('utf8') ?? 'NULL');
      last = Date.now();
    },
  });
  const t0 = Date.now();
  // all that is expected, then nothing more for quietMs: duplicates would show up as extra records
  while (Date.now() - t0 < timeoutMs && !(out.length >= expected && Date.now() - last > quietMs)) await new Promise((r) => setTimeout(r, 200));
  await consumer.disconnect();
  return out.sort();
}

function file(name: string, text: string): string {
  const p = join(work, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  kafka = createKafka(config, resolveEndpoints(config), { clientId: 'kamf-flink-test' });
  await ensureTopics(kafka, ['in', 'out', 'bad-in', 'bad-out'].map((t) => ({ name: `${prefix}${t}`, partitions: 2, compacted: false })));
  cluster = await new FlinkCluster({
    cacheDir: process.env.KAMF_INFRA_DIR ?? pkgPath('.infra'),
    runDir: join(work, 'cluster'),
    owner: process.pid,
    progress: consoleProgress((l) => process.stderr.write(`[flink] ${l}\n`)),
  }).start();
}, 300_000);

afterAll(async () => {
  for (const r of routers) await r.stop().catch(() => {});
  await cluster?.stop();
});

const expected = (v: string) => {
  const t = v.trim();
  const n = /^-?\d+$/.test(v) ? String(Number(v)) : 'nan';
  return `${t.charAt(0).toUpperCase()}${t.slice(1).toLowerCase()}/${[...v].slice(1, 4).join('')}/${n}`;
};

describe('Flink engine on a real session cluster, through the SQL Gateway', () => {
  it('deploys a file outside the embedded subset, lists, replaces (savepoint) and stops its job', { timeout: 300_000 }, async () => {
    const path = file('shaping.sql', outsideSubset);
    const vars = { KAMF_TOPIC_PREFIX: prefix };
    const logs: string[] = [];
    const first = await startRouter({ file: path, engine: 'flink', config, vars, gateway: cluster.gatewayUrl, name: `shaping-${id}`, log: (l) => logs.push(l) });
    expect(first.jobIds).toHaveLength(1);
    const batch1 = ['alpha', 'skip-me', '  bravo  ', '42', 'x'];
    await produce(`${prefix}in`, batch1);
    const out1 = await readValues(`${prefix}out`, 4);
    expect(out1).toEqual(['alpha', '  bravo  ', '42', 'x'].map(expected).sort());

    const listed = await listRoutingJobs(cluster.gatewayUrl);
    expect(listed.filter((j) => j.name === `kamf-route:shaping-${id}` && j.status === 'RUNNING').map((j) => j.id)).toEqual(first.jobIds);

    // replace: the same name again without --replace is refused, with it the job moves over with its offsets
    await expect(startRouter({ file: path, engine: 'flink', config, vars, gateway: cluster.gatewayUrl, name: `shaping-${id}` })).rejects.toMatchObject({ code: 'ROUTER_FLINK_FAILED' });
    const second = await startRouter({ file: path, engine: 'flink', config, vars, gateway: cluster.gatewayUrl, name: `shaping-${id}`, replace: true, log: (l) => logs.push(l) });
    expect(second.jobIds![0]).not.toBe(first.jobIds![0]);
    expect(logs.some((l) => /replaced job .* savepoint/.test(l))).toBe(true);
    await first.stop();
    const batch2 = ['charlie', '7'];
    await produce(`${prefix}in`, batch2);
    const out2 = await readValues(`${prefix}out`, 6);
    // every record once: the new job started from the savepoint's offsets
    expect(out2).toEqual(['alpha', '  bravo  ', '42', 'x', 'charlie', '7'].map(expected).sort());
    const jobs = await listRoutingJobs(cluster.gatewayUrl);
    expect(jobs.find((j) => j.id === first.jobIds![0])?.status).toBe('FINISHED');
    expect(jobs.find((j) => j.id === second.jobIds![0])?.status).toBe('RUNNING');

    const stopped = await stopRouting(cluster.gatewayUrl, `shaping-${id}`);
    expect(stopped.map((s) => s.jobId)).toEqual(second.jobIds);
    await expect(second.done).resolves.toBeDefined(); // the watch sees the job end
    const after = await listRoutingJobs(cluster.gatewayUrl);
    expect(after.filter((j) => j.name === `kamf-route:shaping-${id}` && j.status === 'RUNNING')).toEqual([]);
  });

  it("reports Flink's validation error at the file's line and column", { timeout: 120_000 }, async () => {
    const path = file(
      'invalid.sql',
      `CREATE TABLE src (x INT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1');

CREATE TABLE snk (x INT, s STRING) WITH ('connector' = 'blackhole');
INSERT INTO snk
  SELECT x, CONCAT(s, 1)
  FROM src;
`,
    );
    await expect(startRouter({ file: path, engine: 'flink', config, gateway: cluster.gatewayUrl })).rejects.toMatchObject({
      code: 'ROUTER_FLINK_FAILED',
      message: expect.stringMatching(/^invalid\.sql:5:13: Flink refused the statement: .*Cannot apply 'CONCAT'/),
    });
  });

  it('a job failing at run time ends FAILED after its restart budget, and the router reports it', { timeout: 180_000 }, async () => {
    await produce(`${prefix}bad-in`, ['1', 'not a number']);
    const path = file(
      'failing.sql',
      `CREATE TABLE src (k BYTES, v BYTES) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}bad-in', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.group.id' = '\${KAMF_TOPIC_PREFIX}bad', 'scan.startup.mode' = 'earliest-offset',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
CREATE TABLE snk (k BYTES, v STRING) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}bad-out', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY');
INSERT INTO snk SELECT k, CAST(CAST(CAST(v AS STRING) AS INT) + 1 AS STRING) FROM src;
`,
    );
    const router: RunningRouter = await startRouter({ file: path, engine: 'flink', config, vars: { KAMF_TOPIC_PREFIX: prefix }, gateway: cluster.gatewayUrl });
    // it failed once and restarted twice (the budget), then stopped for good
    const err = await router.done.then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: { failures?: number } },
    );
    expect(err).toMatchObject({ code: 'ROUTER_FLINK_FAILED', message: expect.stringMatching(/FAILED after its restart budget \(\d+ failures\): .*not a number/) });
    expect(err!.details.failures).toBeGreaterThanOrEqual(3);
    const jobs = await listRoutingJobs(cluster.gatewayUrl);
    expect(jobs.find((j) => j.id === router.jobIds![0])?.status).toBe('FAILED');
  });
});

// ---- differential: the same records through both engines ------------------------------------------------------

const rxPrefix = `rx-${id}.`;
const flPrefix = `fd-${id}.`;
const routingFile = pkgPath('flink-sql', 'routing.sql');
let mesh: MeshConnection;
const routers: RunningRouter[] = [];
const N = 60;

const featuresSql = (
  `-- features the routing file does not use: avro-confluent source, WHERE in a view, CASE, BETWEEN, casts, computed key/value,
-- timestamps printed in the session time zone, decimal division, null headers
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE requests (
  k BYTES,
  requestId STRING NOT NULL,
  tenant STRING,
  headers MAP<STRING, BYTES> METADATA,
  ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL
) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}a2a.ingress', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'properties.group.id' = '\${KAMF_TOPIC_PREFIX}kamf-features', 'properties.auto.offset.reset' = 'earliest', 'scan.startup.mode' = 'group-offsets',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'avro-confluent', 'value.avro-confluent.url' = '\${SCHEMA_REGISTRY_URL}',
  'value.fields-include' = 'EXCEPT_KEY'
);
CREATE TABLE by_tenant (k BYTES, v STRING, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}features.by-tenant', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY', 'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE audit (k BYTES, v STRING) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}features.audit', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY', 'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE stamped (k BYTES, v STRING) WITH (
  'connector' = 'kafka', 'topic' = '\${KAMF_TOPIC_PREFIX}features.stamped', 'properties.bootstrap.servers' = '\${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY', 'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TEMPORARY VIEW enriched AS
SELECT
  k,
  requestId,
  ts,
  COALESCE(tenant, CAST(headers['kamf-tenant'] AS STRING), 'none') AS tenant_name,
  CAST(CAST(headers['kamf-deadline'] AS STRING) AS BIGINT) AS deadline,
  headers
FROM requests
WHERE requestId NOT LIKE 'skip%';
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO by_tenant
    SELECT k, CONCAT(UPPER(tenant_name), '/', requestId), headers FROM enriched
    WHERE tenant_name <> 'none' AND (deadline IS NULL OR deadline BETWEEN 1000 AND 2000000000000);
  INSERT INTO audit
    SELECT CAST(requestId AS BYTES),
      CASE WHEN deadline > 0 THEN 'deadline' WHEN tenant_name = 'none' THEN 'anonymous' ELSE SUBSTRING(tenant_name, 1, 3) END
    FROM enriched;
  INSERT INTO stamped
    SELECT k, CONCAT(CAST(ts AS STRING), '|', COALESCE(CAST(CAST(deadline AS DECIMAL(20, 0)) / 1000.0 AS STRING), 'none'), '|',
      COALESCE(CAST(headers['kamf-priority'] AS STRING), 'NULL'), '|', COALESCE(CAST(headers['kamf-skill'] AS STRING), 'NULL'))
    FROM enriched;
END;
`
);

function request(i: number): A2ARequest {
  const requestId = `${i % 11 === 0 ? 'skip' : 'r'}-${id}-${i}`;
  return {
    requestId,
    method: 'SEND_MESSAGE',
    ...(i % 4 === 1 ? { tenant: i % 8 === 1 ? 'acme' : 'globex' } : {}),
    params: {
      tenant: '',
      message: { messageId: requestId, contextId: `c-${i}`, taskId: '', role: 1, parts: [textPart(`hello ${i}`)], metadata: undefined, extensions: [], referenceTaskIds: [] },
      configuration: undefined,
      metadata: undefined,
    },
  } as A2ARequest;
}

function headersOf(i: number): Record<string, string> {
  const targets = ['echo', 'data', 'cs', 'balance', 'nobody', 'data,cs', ' echo , balance ', '', 'ECHO'];
  const skills = ['win_rate', 'top_issues', 'ask', 'greet', 'unknown', 'TOP_ISSUES'];
  const priorities = ['high', 'HIGH', 'urgent', 'normal', 'low'];
  const h: Record<string, string> = { 'kamf-correlation-id': `corr-${i}`, 'kamf-method': 'SEND_MESSAGE' };
  if (i % 4 !== 3) h['kamf-target-agent'] = targets[i % targets.length]!;
  if (i % 2 === 0) h['kamf-skill'] = skills[i % skills.length]!;
  if (i % 5 !== 4) h['kamf-priority'] = priorities[i % priorities.length]!;
  if (i % 6 === 3) h['kamf-tenant'] = `t${i % 4}`;
  if (i % 7 === 0) h['kamf-deadline'] = String(1_700_000_000_000 + i);
  return h;
}

/**
 * The headers as sent, in order: some keys twice (the last one counts) and some with a null value (NULL on both
 * engines; a routing key that is NULL takes the ELSE lanes, a NULL tenant falls back to the next COALESCE).
 */
function wireHeaders(i: number): Array<[string, string | null]> {
  const h: Array<[string, string | null]> = Object.entries(headersOf(i));
  if (i % 9 === 5) h.push(['kamf-skill', 'cs-first'], ['kamf-skill', 'top_issues']);
  if (i % 8 === 6) h.push(['kamf-priority', null]);
  if (i % 8 === 2) h.push(['kamf-tenant', null], ['kamf-target-agent', null]);
  if (i % 13 === 4) h.push(['kamf-skill', 'top_issues'], ['kamf-skill', null]);
  return h;
}

async function produceInput(kafka: Kafka, prefix: string): Promise<void> {
  const topic = `${prefix}a2a.ingress`;
  await ensureTopics(kafka, [{ name: topic, partitions: 3, compacted: false }]);
  // kafkajs cannot write a header with a null value (its size count calls Buffer.byteLength(null)); this client can
  const producer = new Producer({ clientId: `diff-${id}`, bootstrapBrokers: resolveEndpoints(config).brokers, acks: ProduceAcks.ALL });
  try {
    const messages = await Promise.all(
      Array.from({ length: N }, async (_, i) => ({
        topic,
        // key-less records get an explicit partition, so both copies land alike
        ...(i % 10 === 9 ? { partition: i % 3 } : { key: Buffer.from(`c-${i}`) }),
        value: await mesh.codec.encodeA2ARequest(topic, request(i)),
        headers: new Map(wireHeaders(i).map(([k, v]) => [Buffer.from(k), v === null ? (null as unknown as Buffer) : Buffer.from(v)])),
        timestamp: BigInt(1_700_000_000_000 + i * 1234),
      })),
    );
    await producer.send({ messages });
  } finally {
    await producer.close();
  }
}

/** All records of a topic as comparable strings (key, value, sorted headers), sorted: a multiset, duplicates count. */
async function readAll(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
  await admin.disconnect();
  const total = offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  if (total === 0) return [];
  const out: string[] = [];
  const consumer = kafka.consumer({ groupId: `diff-read-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push(render(message));
        if (out.length >= total) resolve();
      },
    });
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
  await consumer.disconnect();
  return out.sort();
}

function render(m: KafkaMessage): string {
  const hex = (b: Buffer | null | undefined) => (b ? b.toString('hex') : 'null');
  const headers = Object.entries(m.headers ?? {})
    .map(([k, v]) => `${k}=${hex(Array.isArray(v) ? (v[v.length - 1] as Buffer) : (v as Buffer))}`)
    .sort()
    .join(',');
  return `${hex(m.key)}|${hex(m.value)}|${headers}`;
}

async function topicTotals(kafka: Kafka, prefix: string): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && !t.endsWith('a2a.ingress') && !t.endsWith('.dlq'));
    const out: Record<string, number> = {};
    for (const t of topics) out[t.slice(prefix.length)] = (await admin.fetchTopicOffsets(t)).reduce((s, o) => s + Number(o.high), 0);
    return out;
  } finally {
    await admin.disconnect();
  }
}


describe('differential: embedded RxJS engine vs Apache Flink on the same records', () => {
  it('writes the same multiset of records (key, value, headers) to every output topic', { timeout: 400_000 }, async () => {
    mesh = connectMesh(config);
    await produceInput(mesh.kafka, rxPrefix);
    await produceInput(mesh.kafka, flPrefix);
    // the input really holds null-valued headers (read back with kafkajs, which renders them as null)
    const nullHeaders = (await readAll(mesh.kafka, `${rxPrefix}a2a.ingress`)).filter((r) => /=null(,|$)/.test(r.split('|')[2] ?? ''));
    expect(nullHeaders.length).toBeGreaterThan(5);
    const featuresFile = file('features.sql', featuresSql);
    for (const f of [routingFile, featuresFile]) {
      // Flink writes to topics it does not create: create them as the embedded engine does (6 partitions)
      const plan = planRoutingSql(readFileSync(f, 'utf8'), routerVars(config, { KAMF_TOPIC_PREFIX: flPrefix }), f);
      await ensureTopics(mesh.kafka, plan.sinks.map((s) => ({ name: plan.tables[s]!.topic, partitions: 6, compacted: false })));
      routers.push(await startRouter({ file: f, engine: 'flink', config, vars: { KAMF_TOPIC_PREFIX: flPrefix }, gateway: cluster.gatewayUrl, name: `diff-${id}-${basename(f, '.sql')}` }));
      routers.push(await startRouter({ file: f, engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: rxPrefix }, rxjs: { dlqTopic: `${rxPrefix}dlq` } }));
    }
    const embedded = routers.filter((r) => r.engine === 'rxjs');
    // the embedded engine is fast: wait until it has routed everything, then for Flink to catch up with it
    const deadline = Date.now() + 240_000;
    let rx: Record<string, number> = {};
    let fl: Record<string, number> = {};
    let lastChange = Date.now();
    let last = '';
    for (;;) {
      rx = await topicTotals(mesh.kafka, rxPrefix);
      fl = await topicTotals(mesh.kafka, flPrefix);
      const now = JSON.stringify([rx, fl]);
      if (now !== last) [last, lastChange] = [now, Date.now()];
      const rxDone = embedded.every((r) => r.stats!().inFlight === 0 && r.stats!().consumed >= N);
      const caughtUp = Object.keys(rx).every((t) => (fl[t] ?? 0) >= rx[t]!);
      if (rxDone && caughtUp && Date.now() - lastChange > 3000) break;
      if (rxDone && Date.now() - lastChange > 15_000) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.info(`differential: records per topic, rxjs ${JSON.stringify(rx)}, flink ${JSON.stringify(fl)}`);
    expect(Object.keys(fl).sort()).toEqual(Object.keys(rx).sort());
    expect(rx['agent.data.requests.high']).toBeGreaterThan(0);
    expect(rx['agent.echo.requests']).toBeGreaterThan(0);
    expect(rx['a2a.unroutable']).toBeGreaterThan(0);
    expect(rx['features.by-tenant']).toBeGreaterThan(0);
    expect(rx['features.audit']).toBeGreaterThan(0);
    expect(rx['features.stamped']).toBeGreaterThan(0);
    const stats = embedded[0]!.stats!();
    expect(stats.produced).toBeGreaterThan(N); // fan-out: some records went to two agents
    expect(stats.deadLettered).toBe(0);
    for (const topic of Object.keys(rx)) {
      const a = await readAll(mesh.kafka, rxPrefix + topic);
      const b = await readAll(mesh.kafka, flPrefix + topic);
      expect(b, `records of ${topic}`).toEqual(a);
    }
  });
});

// ---- expression differential: generated values and expressions, Flink as the oracle ----------------------------

/** The columns every generated expression reads, with their Flink types. */
const COLUMNS = [
  ['s', 'STRING'],
  ['t', 'STRING'],
  ['i', 'INT'],
  ['b', 'BIGINT'],
  ['d', 'DECIMAL(10, 2)'],
  ['x', 'DOUBLE'],
  ['z', 'BOOLEAN'],
  ['ts', 'TIMESTAMP_LTZ(3)'],
] as const;

interface Values {
  s: string | null;
  t: string | null;
  i: number | null;
  b: bigint | null;
  d: bigint | null;
  x: number | null;
  z: boolean | null;
  ts: number | null;
}

const CHARS = ['a', 'B', 'z', ' ', '%', '_', ',', '-', '1', '0', 'é', 'ß', 'İ', '🚀', '中', '\u{10FFFF}', 'x'];
const nullable = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 6, nil: null });
const valuesArb: fc.Arbitrary<Values> = fc.record({
  s: nullable(fc.oneof(fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 8 }), fc.constantFrom('', '  pad  ', 'a,b,,c', 'hello🚀'))),
  t: nullable(fc.oneof(fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 3 }), fc.constantFrom('', 'a', ','))),
  i: nullable(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(-2147483648, 2147483647, 0, 1, -1))),
  b: nullable(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n, 0n))),
  d: nullable(fc.oneof(fc.bigInt({ min: -9999999999n, max: 9999999999n }), fc.constantFrom(0n, 1n, -50n, 25n))),
  x: nullable(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.1, 1e20, 1e-5, 0.001, 1234567.0, 12345678.9, -2.5, 0))),
  z: nullable(fc.boolean()),
  ts: nullable(fc.oneof(fc.integer({ min: 0, max: 4102444800000 }), fc.constantFrom(0, 1700000000000, 1700000000123))),
});

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** A value as a plain SQL literal (typed by a CAST around the VALUES, see below). */
function flinkLiteral(col: (typeof COLUMNS)[number], v: unknown): string {
  const [, type] = col;
  if (v === null) return type === 'BOOLEAN' ? 'CAST(NULL AS BOOLEAN)' : 'CAST(NULL AS STRING)';
  switch (type) {
    case 'STRING':
      return sqlString(v as string);
    case 'DECIMAL(10, 2)': {
      const u = v as bigint;
      const neg = u < 0n;
      const digits = (neg ? -u : u).toString().padStart(3, '0');
      return sqlString(`${neg ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`);
    }
    case 'DOUBLE':
      return sqlString((v as number).toExponential());
    case 'BOOLEAN':
      return v ? 'TRUE' : 'FALSE';
    default:
      return sqlString(String(v));
  }
}

/** Generated expressions by result type: every supported function and operator appears (depth-bounded). */
const exprArbs = fc.letrec<{ str: string; num: string; bool: string }>((tie) => ({
  str: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('s', 't', "'lit'", "''", "'a%'", "'🚀'"),
    tie('str').map((a) => `LOWER(${a})`),
    tie('str').map((a) => `UPPER(${a})`),
    tie('str').map((a) => `TRIM(${a})`),
    tie('str').map((a) => `LTRIM(${a})`),
    tie('str').map((a) => `RTRIM(${a})`),
    fc.tuple(tie('str'), fc.constantFrom("'a'", "''", "' '", 't'), fc.constantFrom("'x'", "''", 't')).map(([a, b, c]) => `REPLACE(${a}, ${b}, ${c})`),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `CONCAT(${a}, ${b})`),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `(${a} || ${b})`),
    fc.tuple(fc.constantFrom("','", 't', "''"), tie('str'), tie('str')).map(([a, b, c]) => `CONCAT_WS(${a}, ${b}, ${c})`),
    fc.tuple(tie('str'), fc.integer({ min: -4, max: 6 }), fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined })).map(([a, p, l]) => `SUBSTRING(${a}, ${p}${l === undefined ? '' : `, ${l}`})`),
    fc.tuple(tie('str'), fc.integer({ min: -2, max: 4 }), fc.integer({ min: 0, max: 3 })).map(([a, p, l]) => `SUBSTR(${a}, ${p}, ${l})`),
    fc.tuple(tie('str'), fc.constantFrom("','", "'a'", 't'), fc.integer({ min: 0, max: 3 })).map(([a, d, n]) => `SPLIT_INDEX(${a}, ${d}, ${n})`),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `COALESCE(${a}, ${b})`),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `IFNULL(${a}, ${b})`),
    fc.tuple(tie('str'), tie('str')).map(([a, b]) => `NULLIF(${a}, ${b})`),
    fc.constantFrom('i', 'b', 'd', '(i + b)', '(d / 3)', '(i * 4.0)').map((a) => `CAST(${a} AS STRING)`),
    tie('bool').map((a) => `CAST(${a} AS STRING)`),
    fc.constant('CAST(ts AS STRING)'),
    fc.tuple(tie('str'), fc.constantFrom('VARCHAR(3)', 'VARCHAR(1)', 'STRING')).map(([a, ty]) => `CAST(${a} AS ${ty})`),
    fc.tuple(tie('bool'), tie('str'), tie('str')).map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
  ),
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('i', 'b', 'd', 'x', '7', '4.0', '2.5E0', '-3', '9007199254740993'),
    fc.tuple(tie('num'), fc.constantFrom('+', '-', '*'), tie('num')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('num'), fc.constantFrom('4', '4.0', '3', '-7', '0.5', '2.5E0')).map(([a, b]) => `(${a} / ${b})`),
    fc.tuple(fc.constantFrom('i', 'b', '7', '(i + b)'), fc.constantFrom('4', '3', '-7')).map(([a, b]) => `(${a} % ${b})`),
    tie('num').map((a) => `(-(${a}))`),
    fc.tuple(tie('num'), fc.constantFrom('INT', 'BIGINT', 'DOUBLE', 'DECIMAL(10, 2)', 'DECIMAL(5, 1)', 'DECIMAL(20, 4)')).map(([a, ty]) => `CAST(${a} AS ${ty})`),
    fc.tuple(tie('num'), tie('num')).map(([a, b]) => `COALESCE(${a}, ${b})`),
    fc.tuple(tie('num'), tie('num')).map(([a, b]) => `NULLIF(${a}, ${b})`),
    fc.tuple(tie('bool'), tie('num'), tie('num')).map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('z', 'TRUE', 'FALSE'),
    fc.tuple(tie('num'), fc.constantFrom('=', '<>', '<', '<=', '>', '>='), tie('num')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('str'), fc.constantFrom('=', '<>', '<', '>='), tie('str')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('str'), fc.constantFrom("'a%'", "'%'", "'_'", "'__'", "'%🚀'", "'%,%'", "''"), fc.boolean()).map(([a, p, n]) => `(${a}${n ? ' NOT' : ''} LIKE ${p})`),
    fc.tuple(tie('num'), tie('num'), tie('num'), fc.boolean()).map(([a, lo, hi, n]) => `(${a}${n ? ' NOT' : ''} BETWEEN ${lo} AND ${hi})`),
    fc.tuple(tie('str'), fc.constantFrom("'a', 'b'", "'', t", "'lit', NULL"), fc.boolean()).map(([a, l, n]) => `(${a}${n ? ' NOT' : ''} IN (${l}))`),
    fc.tuple(tie('num'), fc.constantFrom('1, 2', '0, d', '7, NULL'), fc.boolean()).map(([a, l, n]) => `(${a}${n ? ' NOT' : ''} IN (${l}))`),
    fc.tuple(fc.oneof(tie('str'), tie('num'), tie('bool')), fc.constantFrom('IS NULL', 'IS NOT NULL')).map(([a, w]) => `(${a} ${w})`),
    fc.tuple(tie('bool'), fc.constantFrom('IS TRUE', 'IS NOT TRUE', 'IS FALSE', 'IS NOT FALSE')).map(([a, w]) => `(${a} ${w})`),
    fc.tuple(tie('bool'), fc.constantFrom('AND', 'OR'), tie('bool')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('bool').map((a) => `(NOT ${a})`),
  ),
}));

/** The issue's cases, each a known disagreement of the old engine, and one or more per function. */
const FIXED = [
  'i / 4.0',
  'CAST(ts AS STRING)',
  'b + 1',
  "SUBSTRING(s, -3, 2)",
  "('🚀' LIKE '_')",
  "(s LIKE '_')",
  'CAST(x AS DECIMAL(10, 2))',
  'CAST(d AS DECIMAL(10, 2))',
  "CAST(s AS VARCHAR(3))",
  "REPLACE(s, '', 'x')",
  'CAST(b AS DOUBLE)',
  '(d / 3)',
  '(d * d)',
  '(i * i)',
  '(b * 2)',
  "CASE WHEN z THEN 'high' ELSE 'normal' END",
  'COALESCE(i, d)',
  'LOWER(s)', 'UPPER(s)', 'TRIM(s)', 'LTRIM(s)', 'RTRIM(s)', "CONCAT(s, t)", "CONCAT_WS(',', s, t)", 'SUBSTR(s, 2)', "SPLIT_INDEX(s, ',', 1)",
  "IFNULL(s, 'n')", 'NULLIF(i, 0)',
];

describe('expression differential: generated values and expressions, one Flink batch job', () => {
  it('every expression over every row has the same type and value on both engines', { timeout: 300_000 }, async () => {
    // a fixed seed in CI, so a red run is a change and not a new draw; KAMF_DIFF_SEED=random explores new inputs
    const seed = process.env.KAMF_DIFF_SEED === 'random' ? Date.now() % 1_000_000 : Number(process.env.KAMF_DIFF_SEED ?? 1);
    console.info(`expression differential: seed ${seed} (KAMF_DIFF_SEED=${seed} replays it)`);
    const rows = [...fc.sample(valuesArb, { seed, numRuns: 40 })];
    const generated = fc.sample(fc.oneof(exprArbs.str, exprArbs.num, exprArbs.bool), { seed: seed + 1, numRuns: 120 });
    const head = `CREATE TABLE src (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}) WITH ('connector' = 'kafka', 'topic' = 'p', 'properties.bootstrap.servers' = 'x:1', 'value.format' = 'avro-confluent', 'value.avro-confluent.url' = 'http://x');
CREATE TABLE snk (v STRING) WITH ('connector' = 'kafka', 'topic' = 'o', 'properties.bootstrap.servers' = 'x:1', 'value.format' = 'raw');
`;
    // what the embedded engine refuses at load time is refused, not compared: listed, and none of the fixed cases
    const refused = new Map<string, string>();
    const exprs = [...FIXED, ...generated].filter((e) => {
      try {
        planRoutingSql(`${head}INSERT INTO snk SELECT (${e}) FROM src;\n`, {});
        return true;
      } catch (err) {
        refused.set(e, (err as Error).message.split('\n').slice(0, 2).join(' '));
        return false;
      }
    });
    if (refused.size) console.info(`refused by the embedded engine:\n${[...refused].map(([e, m]) => `  ${e}\n    ${m}`).join('\n')}`);
    expect(FIXED.filter((e) => refused.has(e))).toEqual([]);
    // the embedded engine: one INSERT per expression over a source of these columns (each item in parentheses:
    // the grammar the embedded engine reads misreads some unparenthesised items)
    const sql = `${head}${exprs.map((e) => `INSERT INTO snk SELECT (${e}) FROM src;`).join('\n')}\n`;
    const plan = planRoutingSql(sql, {});
    const lookup = (path: string[]) => relationColumns(plan, 'src')!.find((c) => c.name === path[0])?.type;
    const typeOf = (x: Expr) => inferType(x, lookup);
    // a run-time error (CAST('x' AS INT), ...) fails a Flink job, so such expressions cannot share the batch: listed
    const failing = new Map<string, string>();
    const evaluated = plan.routes.map((r, k) => {
      const f = compile(r.projections[0]!.expr, typeOf);
      const type = typeOf(r.projections[0]!.expr);
      try {
        return { expr: exprs[k]!, type, values: rows.map((row) => renderValue(f(row as unknown as Record<string, unknown>), type)) };
      } catch (err) {
        failing.set(exprs[k]!, (err as Error).message);
        return undefined;
      }
    });
    if (failing.size) console.info(`run-time errors on the embedded engine (not sent to Flink):\n${[...failing].map(([e, m]) => `  ${e}: ${m}`).join('\n')}`);
    const cases = evaluated.filter((x): x is NonNullable<typeof x> => x !== undefined);

    // Flink: all of it as ONE batch query
    const session = await GatewaySession.open(cluster.gatewayUrl, {
      'execution.runtime-mode': 'batch',
      'table.local-time-zone': 'UTC',
      // a blocking (sort-shuffle) exchange asks for 512 network buffers the small TaskManager does not have
      'execution.batch-shuffle-mode': 'ALL_EXCHANGES_HYBRID_FULL',
      'table.exec.resource.default-parallelism': '1',
    });
    // VALUES of plain literals (rows of casts would become a UNION of one source per row), typed outside
    const values = rows.map((r, n) => `(${n}, ${COLUMNS.map((c) => flinkLiteral(c, r[c[0]])).join(', ')})`).join(',\n  ');
    const typed = COLUMNS.map(([n, t]) => (t === 'TIMESTAMP_LTZ(3)' ? `TO_TIMESTAMP_LTZ(CAST(${n}0 AS BIGINT), 3) AS ${n}` : `CAST(${n}0 AS ${t}) AS ${n}`)).join(', ');
    const query = `SELECT id, ${cases.map((c, k) => `(${c.expr}) AS e${k}`).join(', ')}
FROM (SELECT id, ${typed} FROM (VALUES\n  ${values}) AS r(id, ${COLUMNS.map(([n]) => `${n}0`).join(', ')})) AS v`;
    const result = await session.execute(query);
    await session.close();
    expect(result.rows).toHaveLength(rows.length);
    const flinkType = (c: GatewayColumn) => {
      const t = c.logicalType;
      const name = { INTEGER: 'INT', VARCHAR: 'STRING', CHAR: 'STRING', TIMESTAMP_WITH_LOCAL_TIME_ZONE: 'TIMESTAMP_LTZ', VARBINARY: 'BYTES', BINARY: 'BYTES' }[t.type] ?? t.type;
      return name === 'DECIMAL' ? `DECIMAL(${t.precision}, ${t.scale})` : name;
    };
    const ourType = (t: SqlType) => (t.name === 'DECIMAL' ? `DECIMAL(${t.precision}, ${t.scale})` : t.name === 'CHAR' ? 'STRING' : t.name);
    const mismatches: string[] = [];
    for (const frow of result.rows) {
      const n = Number(frow[0]);
      cases.forEach((c, k) => {
        const want = { type: flinkType(result.columns[k + 1]!), value: frow[k + 1] ?? null };
        const got = { type: ourType(c.type), value: c.values[n] ?? null };
        // a DOUBLE is compared by value: Flink's JVM (JDK 17) prints some doubles with more digits than needed
        const same = want.value === got.value || (want.type === 'DOUBLE' && want.value !== null && got.value !== null && Number(want.value) === Number(got.value));
        if (want.type !== got.type || !same) {
          mismatches.push(`${c.expr}  on row ${JSON.stringify(rows[n], (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}: Flink ${want.type} ${JSON.stringify(want.value)}, embedded ${got.type} ${JSON.stringify(got.value)}`);
        }
      });
    }
    console.info(`expression differential (seed ${seed}): ${cases.length} expressions x ${rows.length} rows = ${cases.length * rows.length} values compared, ${mismatches.length} mismatches (${refused.size} refused at load, ${failing.size} with run-time errors)`);
    expect(mismatches.slice(0, 25), `seed ${seed}; rerun with KAMF_DIFF_SEED=${seed}`).toEqual([]);
  });
});

// ---- dynamic routing: agent.routes joined FOR SYSTEM_TIME AS OF, topics named by rows --------------------------

describe('dynamic routing on Flink: routing-dynamic.sql with a new agent', () => {
  it('routes a new agent by skill and by name once announced, and not after it left (as the embedded engine does)', { timeout: 300_000 }, async () => {
    const P = `fdyn-${id}.`;
    mesh ??= connectMesh(config);
    // the test's projector keeps agent.routes and shows what it holds (one writer, so the versions are the test's own)
    const scenario = dynamicScenario(mesh, P, { ownProjector: true });
    await scenario.setUp();
    try {
      const router = await startRouter({ file: pkgPath('flink-sql', 'routing-dynamic.sql'), engine: 'flink', config, vars: { KAMF_TOPIC_PREFIX: P }, gateway: cluster.gatewayUrl, name: `dynamic-${id}`, projectRoutes: false });
      routers.push(router);
      // the projection as written: the job reads it from agent.routes and joins the version valid at each request's time
      // with ticks: event time must pass a request before Flink's temporal join emits it (docs/routing.md)
      const out = await scenario.run((key, agents) => {
        const v = scenario.projector.routes.get(key);
        return (v === undefined ? undefined : (JSON.parse(v) as { agents: string }).agents) === agents;
      }, true);
      expect(out).toEqual(DYNAMIC_EXPECTED);
      const jobs = await listRoutingJobs(cluster.gatewayUrl);
      expect(jobs.find((j) => j.id === router.jobIds![0])?.status).toBe('RUNNING');
      await stopRouting(cluster.gatewayUrl, `dynamic-${id}`);
    } finally {
      await scenario.tearDown();
    }
  });
});
