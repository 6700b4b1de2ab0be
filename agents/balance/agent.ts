/** Starts the coordinator on the mesh: its own directory of agents, its own client runtime, its server. */
import type { KamfConfig } from '../../src/core/index.js';
import { KafkaClientRuntime, connectMesh, type MeshConnection, AgentDirectory, serveAgent, type RunningAgent, type ServeAgentOptions } from '../../src/binding/index.js';
import { MeshCaller } from '../../src/agent-kit/index.js';
import { BalanceCoordinator } from './executor.js';

export interface BalanceAgentOptions {
  config: KamfConfig;
  mesh?: MeshConnection;
  name?: string;
  topics?: ServeAgentOptions['topics'];
  lanes?: string[];
  timeoutMs?: number;
  /** The router stage runs: fan the data + feedback request out through a2a.ingress (see BalanceCoordinator). */
  fanOutViaRouter?: boolean;
}

export interface RunningBalanceAgent extends RunningAgent {
  directory: AgentDirectory;
  runtime: KafkaClientRuntime;
}

export async function startBalanceAgent(opts: BalanceAgentOptions): Promise<RunningBalanceAgent> {
  const mesh = opts.mesh ?? connectMesh(opts.config);
  const name = opts.name ?? 'balance';
  const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, ...(opts.topics?.registry ? { topic: opts.topics.registry } : {}) });
  await directory.start();
  const runtime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: opts.timeoutMs ?? 60_000 });
  const agent = await serveAgent({
    config: opts.config,
    mesh,
    name,
    description: 'Game-balance coordinator: answers balance questions by asking the data and customer-feedback agents in parallel.',
    skills: [
      {
        id: 'balance_verdict',
        name: 'Balance verdict',
        description: 'Is a race too strong or too weak? Combines win rates with player complaints and cites both.',
        examples: ['Is Terran too strong?', '테란 너무 세지 않아?', 'Is Zerg underpowered in the latest patch?'],
        tags: ['balance', 'coordinator'],
      },
      {
        id: 'ask',
        name: 'Ask the mesh',
        description: 'Any question about game data or player feedback, routed to the agent whose skill fits.',
        examples: ['승률?', 'What is the average game time?', 'Top issues this patch?'],
        tags: ['router'],
      },
    ],
    executor: new BalanceCoordinator(directory, new MeshCaller(runtime, directory), name, undefined, opts.fanOutViaRouter ?? false),
    ...(opts.topics ? { topics: opts.topics } : {}),
    ...(opts.lanes ? { lanes: opts.lanes } : {}),
  });
  return {
    ...agent,
    get card() {
      return agent.card;
    },
    directory,
    runtime,
    async stop(graceMs?: number) {
      await agent.stop(graceMs);
      await runtime.close();
      await directory.stop();
    },
  };
}
