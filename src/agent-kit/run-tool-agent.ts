/**
 * Runs an agent whose skills come from MCP servers: connect to the servers in its config, derive the card's
 * skills from their tools, serve it on the mesh, and republish the card whenever a server reports changed tools
 * or the config file gains or loses a server (the file is watched).
 */
import { watch, type FSWatcher } from 'node:fs';
import { serveAgent, type RunningAgent, type ServeAgentOptions } from '../binding/serve.js';
import type { KamfConfig } from '../core/config.js';
import { readAgentConfig, type AgentConfig } from './agent-config.js';
import { DeterministicPlanner } from './planner/deterministic.js';
import { llmPlannerFromEnv } from './planner/llm.js';
import type { Planner } from './planner/types.js';
import { cardWithTools } from './skills.js';
import { ToolAgentExecutor } from './tool-agent.js';
import { ToolHub } from './tool-hub.js';
import { KamfError } from '../core/errors.js';

export interface RunToolAgentOptions extends Pick<ServeAgentOptions, 'topics' | 'mesh' | 'instanceId' | 'heartbeatMs' | 'partitions' | 'lanes'> {
  config: KamfConfig;
  /** Path of agents/<name>/config.json (watched for added / removed MCP servers), or the parsed config. */
  agent: string | AgentConfig;
  planner?: Planner;
  /** Override the routing name from the config (tests run several meshes side by side). */
  name?: string;
}

export interface RunningToolAgent extends RunningAgent {
  hub: ToolHub;
}

export function plannerFor(agent: AgentConfig, env = process.env): Planner {
  const llm = agent.planner === 'llm' || (agent.planner === 'deterministic' && env.KAMF_LLM_URL) ? llmPlannerFromEnv(env) : undefined;
  if (agent.planner === 'llm' && !llm) throw new KamfError('CONFIG_INVALID', `Agent ${agent.name} wants the LLM planner: set KAMF_LLM_URL and KAMF_LLM_MODEL`);
  return llm ?? new DeterministicPlanner();
}

async function syncServers(hub: ToolHub, agent: AgentConfig): Promise<void> {
  const wanted = new Set(Object.keys(agent.mcpServers));
  for (const name of hub.servers()) if (!wanted.has(name)) await hub.remove(name);
  for (const [name, server] of Object.entries(agent.mcpServers)) if (!hub.servers().includes(name)) await hub.add(name, server);
}

export async function runToolAgent(opts: RunToolAgentOptions): Promise<RunningToolAgent> {
  const file = typeof opts.agent === 'string' ? opts.agent : undefined;
  const agentConfig = typeof opts.agent === 'string' ? readAgentConfig(opts.agent) : opts.agent;
  const hub = new ToolHub();
  await syncServers(hub, agentConfig);
  const planner = opts.planner ?? plannerFor(agentConfig);
  const name = opts.name ?? agentConfig.name;
  const base = await serveAgent({
    config: opts.config,
    name,
    description: agentConfig.description,
    skills: [],
    executor: new ToolAgentExecutor(hub, planner, name),
    card: { version: agentConfig.version },
    ...(agentConfig.concurrency ? { concurrency: agentConfig.concurrency } : {}),
    ...(opts.topics ? { topics: opts.topics } : {}),
    ...(opts.mesh ? { mesh: opts.mesh } : {}),
    ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
    ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.partitions ? { partitions: opts.partitions } : {}),
    ...(opts.lanes ? { lanes: opts.lanes } : {}),
  });
  // the first card goes out with the tools' skills; later changes republish it
  let publishing = Promise.resolve();
  const republish = () => {
    publishing = publishing.then(() => base.updateCard(cardWithTools(base.card, hub.tools()))).catch(() => {});
    return publishing;
  };
  await republish();
  hub.on('changed', () => void republish());

  let watcher: FSWatcher | undefined;
  if (file) {
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(file, () => {
      clearTimeout(timer);
      // editors write in several steps: act once the file has settled
      timer = setTimeout(() => {
        try {
          void syncServers(hub, readAgentConfig(file)).catch((err: unknown) => process.stderr.write(`agent ${name}: ${(err as Error).message}\n`));
        } catch (err) {
          process.stderr.write(`agent ${name}: ignoring invalid config change: ${(err as Error).message}\n`);
        }
      }, 200);
    });
  }
  return {
    ...base,
    get card() {
      return base.card;
    },
    hub,
    async stop(graceMs?: number) {
      watcher?.close();
      await base.stop(graceMs);
      await hub.close();
    },
  };
}
