/**
 * The reference mesh in one process: the data and customer-feedback agents (tools from their MCP servers, spawned
 * over stdio) and the balance coordinator. Each agent is a separate consumer group on the mesh, exactly as when
 * they run as separate processes (`agents/<name>/main.ts`).
 */
import { pkgPath, type KamfConfig } from '../src/core/index.js';
import type { MeshConnection } from '../src/binding/index.js';
import { runToolAgent, type RunningToolAgent } from '../src/agent-kit/index.js';
import { startBalanceAgent, type RunningBalanceAgent } from './balance/agent.js';

export interface ReferenceMesh {
  data: RunningToolAgent;
  cs: RunningToolAgent;
  balance: RunningBalanceAgent;
  stop(): Promise<void>;
}

/** Every agent of the reference mesh drains its high lane first (the router sends `kamf-priority: high` there). */
export const LANES = ['high', ''];

// by package path, not import.meta.url: the config files stay in agents/ when the code runs from dist/
export const agentConfigPath = (name: string) => pkgPath('agents', name, 'config.json');

export async function startReferenceMesh(
  config: KamfConfig,
  mesh: MeshConnection,
  log: (line: string) => void = () => {},
  options: { routerRunning?: boolean } = {},
): Promise<ReferenceMesh> {
  log('starting agents data and cs (their MCP servers start over stdio)...');
  const [data, cs] = await Promise.all([
    runToolAgent({ config, mesh, agent: agentConfigPath('data'), lanes: LANES }),
    runToolAgent({ config, mesh, agent: agentConfigPath('cs'), lanes: LANES }),
  ]);
  log(`data: ${data.card.skills.map((s) => s.id).join(', ')}; cs: ${cs.card.skills.map((s) => s.id).join(', ')}`);
  const balance = await startBalanceAgent({ config, mesh, lanes: LANES, fanOutViaRouter: options.routerRunning ?? false });
  await Promise.all([balance.directory.waitFor('data', { timeoutMs: 30_000 }), balance.directory.waitFor('cs', { timeoutMs: 30_000 })]);
  log('coordinator balance is up and sees data and cs in agent.registry');
  return {
    data,
    cs,
    balance,
    async stop() {
      await balance.stop();
      await Promise.all([data.stop(), cs.stop()]);
    },
  };
}
