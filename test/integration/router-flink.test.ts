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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import type { A2ARequest } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { createKafka, resolveEndpoints } from '../../src/core/kafka.js';
import { pkgPath } from '../../src/core/paths.js';
import { FlinkCluster } from '../../src/infra/flink-cluster.js';
import { consoleProgress } from '../../src/infra/progress.js';
import { listRoutingJobs, planRoutingSql, routerVars, startRouter, stopRouting, type RunningRouter } from '../../src/router/index.js';
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
    await expect(router.done).rejects.toMatchObject({ code: 'ROUTER_FLINK_FAILED', message: expect.stringMatching(/FAILED after its restart budget \(3 failures\): .*not a number/) });
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
  `-- features the routing file does not use: avro-confluent source, WHERE in a view, CASE, BETWEEN, casts, computed key/value
CREATE TABLE requests (
  k BYTES,
  requestId STRING NOT NULL,
  tenant STRING,
  headers MAP<STRING, BYTES> METADATA
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
CREATE TEMPORARY VIEW enriched AS
SELECT
  k,
  requestId,
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

async function produceInput(kafka: Kafka, prefix: string): Promise<void> {
  const topic = `${prefix}a2a.ingress`;
  await ensureTopics(kafka, [{ name: topic, partitions: 3, compacted: false }]);
  const producer = kafka.producer();
  await producer.connect();
  const messages = await Promise.all(
    Array.from({ length: N }, async (_, i) => ({
      key: i % 10 === 9 ? null : `c-${i}`,
      value: await mesh.codec.encodeA2ARequest(topic, request(i)),
      headers: headersOf(i),
    })),
  );
  // key-less records are spread by kafkajs at random; give them an explicit partition so both copies match
  await producer.send({ topic, messages: messages.map((m, i) => (m.key === null ? { ...m, partition: i % 3 } : m)) });
  await producer.disconnect();
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
