/**
 * The embedded router on a prefix where nothing exists yet: it creates its source topic (a2a.ingress) as well as
 * its lanes, waits for their leaders, and routes the first record written afterwards. Before, a consumer subscribed
 * to a topic created a moment earlier failed its first fetch and the start failed. Real broker.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { pkgPath } from '../../src/core/paths.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { readTopic } from '../support/delivery.js';
import { testConfig } from '../support/infra.js';
import { until } from '../support/webhook-receiver.js';

const P = `fresh-${randomUUID().slice(0, 6)}.`;
let mesh: MeshConnection;
let router: RunningRouter | undefined;

afterAll(async () => {
  await router?.stop().catch(() => {});
});

describe('router on new topics', () => {
  it('creates its missing source topic, starts, and routes the first record', async () => {
    const config = testConfig();
    mesh = connectMesh(config);
    const admin = mesh.kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(`${P}a2a.ingress`);
    router = await startRouter({ file: pkgPath('flink-sql', 'routing.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: `${P}a2a.dlq` } });
    const meta = await admin.fetchTopicMetadata({ topics: [`${P}a2a.ingress`] });
    await admin.disconnect();
    expect(meta.topics[0]!.partitions.length).toBe(6);

    const producer = mesh.kafka.producer();
    await producer.connect();
    await producer.send({ topic: `${P}a2a.ingress`, acks: -1, messages: [{ key: 'k', value: 'first', headers: { 'kamf-target-agent': 'data' } }] });
    await producer.disconnect();
    await until(() => router!.stats!().produced >= 1, 30_000, 'the record to be routed');
    const routed = (await readTopic(mesh, `${P}agent.data.requests`)).map((m) => m.value?.toString() ?? '');
    expect(routed).toEqual(['first']);
  }, 60_000);
});
