/**
 * Dynamic routing on the embedded engine, against the real broker and registry: flink-sql/routing-dynamic.sql runs
 * while the router's routes projector keeps agent.routes from agent.registry. An agent the SQL never names announces its card
 * after the router started; from then on requests for its skills (and naming it) reach its request topics, a skill
 * two agents offer fans out to both, and when the agent stops its requests are unroutable again. Every topic's
 * records are compared as multisets of keys (duplicates count). The same scenario runs on Flink in
 * router-flink.test.ts (test/support/dynamic-routing.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { pkgPath } from '../../src/core/paths.js';
import { lookupRef, lookupRows } from '../../src/router/lookup-state.js';
import { startRouter, type RunningRouter } from '../../src/router/index.js';
import { DYNAMIC_EXPECTED, dynamicScenario, type DynamicScenario } from '../support/dynamic-routing.js';
import { testConfig } from '../support/infra.js';

const P = `dyn-${randomUUID().slice(0, 6)}.`;
let mesh: MeshConnection;
let scenario: DynamicScenario;
let router: RunningRouter;

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  // no projector of the test's own: the router keeps agent.routes itself (startRouter, routes-projection.ts)
  scenario = dynamicScenario(mesh, P, { ownProjector: false });
  await scenario.setUp();
  router = await startRouter({ file: pkgPath('flink-sql', 'routing-dynamic.sql'), engine: 'rxjs', config, vars: { KAMF_TOPIC_PREFIX: P }, rxjs: { dlqTopic: `${P}a2a.dlq` } });
}, 120_000);

afterAll(async () => {
  await router?.stop().catch(() => {});
  await scenario?.tearDown();
});

describe('dynamic routing on the embedded engine', () => {
  it('a new agent is routable by skill and by name once its card is announced, and not after it left', { timeout: 180_000 }, async () => {
    // what the router's lookup table holds (filled by its own follower of agent.routes)
    const routes = lookupRows(lookupRef(mesh.endpoints.brokers, `${P}agent.routes`));
    const out = await scenario.run((key, agents) => (routes.get(key)?.agents as string | undefined) === agents);
    expect(out).toEqual(DYNAMIC_EXPECTED);
    expect(router.stats?.().deadLettered).toBe(0);
  });
});
