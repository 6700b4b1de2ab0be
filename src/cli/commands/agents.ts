/** `kamf agents`: who is in agent.registry. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import { AgentDirectory } from '../../binding/registry/index.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

export function agentsCommand(program: Command): void {
  program
    .command('agents')
    .description(SUMMARY.agents)
    .option('--json', 'machine-readable output')
    .option('--skill <query>', 'only agents with a matching skill')
    .action(async (opts: { json?: boolean; skill?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const mesh = connectMesh(ctx.config, ctx.endpoints);
      const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, logger: { warn: () => {} } });
      await directory.start();
      try {
        const agents = opts.skill ? directory.findBySkill(opts.skill) : directory.list();
        if (opts.json) printJson(agents.map((a) => ({ agent: a.agentName, description: a.card.description, skills: a.card.skills.map((s) => s.id), instances: a.instances.length, url: a.card.supportedInterfaces[0]?.url })));
        else print(table(agents.map((a) => ({ agent: a.agentName, instances: a.instances.length, skills: a.card.skills.map((s) => s.id).join(', ') })), ['agent', 'instances', 'skills']));
      } finally {
        await directory.stop();
      }
    });
}
