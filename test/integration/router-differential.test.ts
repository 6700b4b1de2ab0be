/**
 * Differential test: the same records through the embedded RxJS engine and through real Apache Flink 1.20 give the
 * same output records per topic (order across partitions aside).
 *
 * ONE Flink JVM per run: started in beforeAll with both files (flink-sql/routing.sql and a features file that
 * exercises the rest of the subset: an avro-confluent source, views, CASE, BETWEEN, LIKE, functions, computed
 * keys and values, a sink without headers). Each engine gets its own copy of the input under its own topic prefix.
 * The first run downloads Flink's jars (~160 MB) into .infra/flink.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import type { A2ARequest } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { pkgPath } from '../../src/core/paths.js';
import { consoleProgress } from '../../src/infra/progress.js';
import { LocalFlink, planRoutingSql, resolvePlaceholders, routerVars, startRouter, substituteSql, type RunningRouter } from '../../src/router/index.js';
import { testConfig } from '../support/infra.js';

const id = randomUUID().slice(0, 6);
const rxPrefix = `rx-${id}.`;
const flPrefix = `fl-${id}.`;
const workDir = mkdtempSync(join(tmpdir(), 'kamf-diff-'));
const routingFile = pkgPath('flink-sql', 'routing.sql');
const featuresFile = join(workDir, 'features.sql');

writeFileSync(
  featuresFile,
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
`,
);

let mesh: MeshConnection;
let flink: LocalFlink | undefined;
const routers: RunningRouter[] = [];
const N = 60;

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

/**
 * All records of a topic as comparable strings (key, value, sorted headers), sorted and without duplicates: both
 * engines are at-least-once, and a produce retry may legitimately write a record twice.
 */
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
  return [...new Set(out)].sort();
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

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  await produceInput(mesh.kafka, rxPrefix);
  await produceInput(mesh.kafka, flPrefix);

  // Flink: both files as two jobs of one local JVM; sink topics created like the rxjs engine creates them
  const files = [routingFile, featuresFile].map((file) => {
    const text = readFileSync(file, 'utf8');
    const vars = routerVars(config, { KAMF_TOPIC_PREFIX: flPrefix });
    const plan = planRoutingSql(text, vars, file);
    return { name: file.split('/').pop()!, sql: substituteSql(text, resolvePlaceholders(text, vars)), sinks: plan.sinks.map((s) => plan.tables[s]!.topic) };
  });
  await ensureTopics(mesh.kafka, files.flatMap((f) => f.sinks.map((name) => ({ name, partitions: 6, compacted: false }))));
  const t0 = Date.now();
  flink = new LocalFlink({
    files: files.map(({ name, sql }) => ({ name, sql })),
    cacheDir: process.env.KAMF_INFRA_DIR ?? pkgPath('.infra'),
    runDir: join(workDir, 'flink'),
    progress: consoleProgress((l) => process.stderr.write(`[diff] ${l}\n`)),
  });
  await flink.start();
  console.info(`router-differential: Flink jobs submitted ${((Date.now() - t0) / 1000).toFixed(1)} s after start (on a cold cache this includes fetching the jars and compiling the launcher)`);

  for (const file of [routingFile, featuresFile]) {
    routers.push(await startRouter({ file, engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: rxPrefix }, rxjs: { dlqTopic: `${rxPrefix}dlq` } }));
  }
}, 600_000);

afterAll(async () => {
  for (const r of routers) await r.stop().catch(() => {});
  await flink?.stop();
});

describe('router differential: embedded RxJS engine vs Apache Flink', () => {
  it('routes the same records to the same topics with the same keys, values and headers', { timeout: 300_000 }, async () => {
    // the embedded engine is fast: wait until it has routed everything, then wait for Flink to catch up to it
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
      const rxDone = routers.every((r) => r.stats!().inFlight === 0 && r.stats!().consumed >= N);
      const caughtUp = Object.keys(rx).every((t) => (fl[t] ?? 0) >= rx[t]!);
      if (rxDone && caughtUp && Date.now() - lastChange > 3000) break; // and nothing moved for 3 s
      if (rxDone && Date.now() - lastChange > 15_000) break; // nothing moves any more: compare what is there
      if (Date.now() > deadline) break;
      if (flink && flink.failures.length) throw new Error(`Flink failed: ${flink.failures.join('\n')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.info(`router-differential: records per topic, rxjs ${JSON.stringify(rx)}, flink ${JSON.stringify(fl)}`);
    expect(Object.keys(fl).sort()).toEqual(Object.keys(rx).sort());
    // every case is exercised: lanes, fan-out, unroutable, the features sinks
    expect(rx['agent.data.requests.high']).toBeGreaterThan(0);
    expect(rx['agent.echo.requests']).toBeGreaterThan(0);
    expect(rx['a2a.unroutable']).toBeGreaterThan(0);
    expect(rx['features.by-tenant']).toBeGreaterThan(0);
    expect(rx['features.audit']).toBeGreaterThan(0);
    const stats = routers[0]!.stats!();
    expect(stats.produced).toBeGreaterThan(N); // fan-out: some records went to two agents
    expect(stats.deadLettered).toBe(0);

    for (const topic of Object.keys(rx)) {
      const a = await readAll(mesh.kafka, rxPrefix + topic);
      const b = await readAll(mesh.kafka, flPrefix + topic);
      expect(b, `records of ${topic}`).toEqual(a);
    }
  });
});
