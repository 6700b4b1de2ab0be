/**
 * A router whose file joins `agent.routes` keeps that projection of `agent.registry` current itself: `startRouter`
 * runs a RoutesProjector (src/binding/registry/routes-projector.ts) beside either engine while it routes, so a
 * deployment needs nothing else. Several routers each run one; they write the same content.
 */
import { RoutesProjector, DEFAULT_ROUTES_TOPIC, DEFAULT_REGISTRY_TOPIC } from '../binding/index.js';
import type { KamfConfig } from '../core/config.js';

/**
 * The `agent.routes` topics a routing file reads (placeholders substituted): the `'topic'` of each table of
 * `'connector' = 'upsert-kafka'` whose topic ends in `agent.routes`, each with the registry topic of the same prefix.
 */
export function routesTopicsIn(sql: string): Array<{ topic: string; registryTopic: string }> {
  const out: Array<{ topic: string; registryTopic: string }> = [];
  for (const table of sql.split(/\bCREATE\s+TABLE\b/i).slice(1)) {
    if (!/'connector'\s*=\s*'upsert-kafka'/i.test(table)) continue;
    const topic = /'topic'\s*=\s*'([^']*)'/i.exec(table)?.[1];
    if (!topic?.endsWith(DEFAULT_ROUTES_TOPIC)) continue;
    const registryTopic = `${topic.slice(0, -DEFAULT_ROUTES_TOPIC.length)}${DEFAULT_REGISTRY_TOPIC}`;
    if (!out.some((o) => o.topic === topic)) out.push({ topic, registryTopic });
  }
  return out;
}

/** Starts one projector per `agent.routes` topic the file reads; resolves with a function that stops them. */
export async function startRoutesProjection(config: KamfConfig, sql: string, log: (line: string) => void): Promise<() => Promise<void>> {
  const projectors: RoutesProjector[] = [];
  const stop = async () => {
    for (const p of projectors.splice(0)) await p.stop().catch(() => {});
  };
  try {
    for (const { topic, registryTopic } of routesTopicsIn(sql)) {
      const p = new RoutesProjector({ connection: { config }, topic, registryTopic, logger: { warn: (m) => log(m) } });
      projectors.push(p);
      await p.start();
      log(`keeping ${topic} from ${registryTopic} (${p.routes.size} routes)`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
