/**
 * `kamf gateway`: the A2A HTTP gateway. Every agent of agent.registry over JSON-RPC, HTTP+JSON and gRPC, relayed
 * over the Kafka binding, until Ctrl-C. See docs/gateway.md.
 */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { stopOnSignals } from '../../binding/index.js';
import { KamfError } from '../../core/errors.js';
import { bridgeHttpAgent, startGateway } from '../../gateway/index.js';
import { contextFrom } from '../context.js';
import { print } from '../output.js';

interface GatewayCliOptions {
  host: string;
  port: string;
  grpcPort: string;
  grpc: boolean;
  publicUrl?: string;
  defaultAgent?: string;
  maxRequestBytes?: string;
  maxStreamsPerCaller?: string;
  requestTimeoutMs?: string;
  reusedMessageIds: string;
  bridge?: string[];
}

const int = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new KamfError('CLI_USAGE', `${flag} expects a whole number, got ${v}`);
  return n;
};

export function gatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description(SUMMARY.gateway)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'HTTP port (JSON-RPC, HTTP+JSON, cards); 0 = a free port', '8090')
    .option('--grpc-port <port>', 'gRPC port; 0 = a free port', '8091')
    .option('--no-grpc', 'no gRPC endpoint')
    .option('--public-url <url>', 'base URL written into cards (default http://<host>:<port>)')
    .option('--default-agent <name>', 'also serve this agent at the root (/.well-known/agent-card.json, /jsonrpc, /rest)')
    .option('--max-request-bytes <n>', 'largest request body / gRPC message (default 1048576)')
    .option('--max-streams-per-caller <n>', 'open streams one caller may hold (default 16)')
    .option('--request-timeout-ms <n>', 'upper bound of a unary call (default 60000)')
    .option('--bridge <url...>', 'also bring HTTP-only A2A agents onto the mesh: their cards (from these URLs) go to agent.registry, their Kafka requests are relayed to them')
    .option('--reused-message-ids <mode>', 'a SendMessage with a messageId seen before: dedupe (a retry) or rerun (a new message)', 'dedupe')
    .addHelpText(
      'after',
      `
Each agent is served under /agents/<name>/: its card at /agents/<name>/.well-known/agent-card.json, JSON-RPC at
/agents/<name>/jsonrpc, HTTP+JSON at /agents/<name>/rest; gRPC on one port for all (the request tenant names the
agent, as the card says). /.well-known/agents lists them.

Examples:
  kamf gateway
  kamf gateway --default-agent data --port 9999 --grpc-port 10000
  kamf gateway --bridge http://127.0.0.1:9999   # an HTTP-only agent joins agent.registry`,
    )
    .action(async (opts: GatewayCliOptions, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const limits = {
        ...(opts.maxRequestBytes ? { maxRequestBytes: int('--max-request-bytes', opts.maxRequestBytes) } : {}),
        ...(opts.maxStreamsPerCaller ? { maxStreamsPerCaller: int('--max-streams-per-caller', opts.maxStreamsPerCaller) } : {}),
        ...(opts.requestTimeoutMs ? { requestTimeoutMs: int('--request-timeout-ms', opts.requestTimeoutMs) } : {}),
      };
      if (opts.reusedMessageIds !== 'dedupe' && opts.reusedMessageIds !== 'rerun') {
        throw new KamfError('CLI_USAGE', `--reused-message-ids expects dedupe or rerun, got ${opts.reusedMessageIds}`);
      }
      const gateway = await startGateway({
        config: ctx.config,
        host: opts.host,
        port: int('--port', opts.port)!,
        grpcPort: opts.grpc ? int('--grpc-port', opts.grpcPort)! : null,
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
        ...(opts.defaultAgent ? { defaultAgent: opts.defaultAgent } : {}),
        reusedMessageIds: opts.reusedMessageIds,
        limits,
      });
      print(`A2A gateway on ${gateway.url}${gateway.grpcAddress ? ` (gRPC ${gateway.grpcAddress})` : ''}`);
      print(`  agents: ${gateway.url}/.well-known/agents`);
      for (const a of gateway.agents.list()) print(`  ${a.name}: ${gateway.url}/agents/${a.name}/.well-known/agent-card.json${a.live ? '' : ' (no live instance)'}`);
      if (opts.defaultAgent) print(`  default agent ${opts.defaultAgent}: ${gateway.url}/.well-known/agent-card.json`);
      const bridges: Array<{ stop(): Promise<void> }> = [];
      for (const url of opts.bridge ?? []) {
        const bridged = await bridgeHttpAgent({ config: ctx.config, url });
        bridges.push(bridged);
        print(`  bridged ${url} as agent ${bridged.name} (agent.${bridged.name}.requests)`);
      }
      stopOnSignals(async () => {
        await Promise.all(bridges.map((b) => b.stop()));
        await gateway.close();
      });
    });
}
