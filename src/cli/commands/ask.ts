/** `kamf ask` and `kamf chat`: talk to an agent of the mesh. */
import { createInterface } from 'node:readline';
import type { Task } from '@a2a-js/sdk';
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { connectMesh } from '../../binding/mesh.js';
import { MeshSession, stateName } from '../ask.js';
import { contextFrom } from '../context.js';
import { print, printJson } from '../output.js';

export function askCommands(program: Command): void {
  program
    .command('ask')
    .description(SUMMARY.ask)
    .argument('<question...>', 'the question, in Korean or English')
    .option('-a, --agent <name>', 'agent to ask', 'balance')
    .option('--via-router', 'send through a2a.ingress and the router stage instead of straight to the agent')
    .option('--priority <p>', 'with --via-router: kamf-priority header (high sends it to the high lane)')
    .option('--json', 'print the final task as JSON')
    .addHelpText('after', '\nExamples:\n  kamf ask "Is Zerg too weak?"\n  kamf ask 테란 너무 사기 아니에요?\n  kamf ask --agent data "Protoss win rate in patch 5.0.11"')
    .action(async (words: string[], opts: { agent: string; json?: boolean; viaRouter?: boolean; priority?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const session = await MeshSession.open(connectMesh(ctx.config, ctx.endpoints), opts.agent, {
        ...(opts.viaRouter ? { viaIngress: true } : {}),
        ...(opts.priority ? { priority: opts.priority } : {}),
      });
      try {
        const turn = await session.ask(words.join(' '), (line) => process.stderr.write(`  … ${line}\n`));
        if (opts.json) printJson(turn.task ?? turn);
        else print(turn.answer);
        if (turn.state !== 3 && turn.state !== 6) process.exitCode = 2;
      } finally {
        await session.close();
      }
    });

  program
    .command('chat')
    .description(SUMMARY.chat)
    .option('-a, --agent <name>', 'agent to talk to', 'balance')
    .addHelpText('after', '\nType a question; when the agent asks something back, just answer. "/new" starts a new conversation, "/quit" or Ctrl-D leaves.')
    .action(async (opts: { agent: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const session = await MeshSession.open(connectMesh(ctx.config, ctx.endpoints), opts.agent);
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
      let previous: Task | undefined;
      print(`Connected to ${opts.agent}. Ask away (/quit to leave).`);
      const prompt = () => process.stdout.write('you> ');
      prompt();
      try {
        for await (const raw of rl) {
          const line = raw.trim();
          if (!line) {
            prompt();
            continue;
          }
          if (line === '/quit' || line === '/exit') break;
          if (line === '/new') {
            previous = undefined;
            print('(new conversation)');
            prompt();
            continue;
          }
          const turn = await session.ask(line, (p) => process.stderr.write(`  … ${p}\n`), previous);
          previous = turn.task;
          print(`${opts.agent}> ${turn.answer || `(${stateName(turn.state)})`}`);
          prompt();
        }
      } finally {
        rl.close();
        await session.close();
      }
    });
}
