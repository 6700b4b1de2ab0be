/**
 * Nothing lost when the broker restarts. A broker of its own (this file stops and kills it; the shared one is never
 * touched), an agent that counts its own executions, 300 requests in flight; the broker is stopped for 20 s and
 * started again, once with SIGTERM and once with SIGKILL. Every caller gets its answer within its deadline, no task
 * is left non-terminal, no request gets two final replies, and the executions are counted and reported.
 */
import { join } from 'node:path';
import type { Message, Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlowExecutor } from '../../agents/slow/executor.js';
import { textPart } from '../../src/agent-kit/events.js';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { parseConfig } from '../../src/core/config.js';
import { LocalStack } from '../../src/infra/index.js';
import { isAlive, readJson } from '../../src/infra/process.js';
import type { ServiceState } from '../../src/infra/stack.js';
import { finalRepliesPerRequest, isTerminal, snapshotCounts } from '../support/delivery.js';
import { testStackOptions } from '../support/stack-options.js';

const N = 300;
const OUTAGE_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: LocalStack;
let runDir: string;

beforeAll(async () => {
  // schemas in memory (as every test stack has them): the registry must not depend on the broker this file restarts
  const options = await testStackOptions('kamf-restart');
  runDir = options.runDir;
  stack = new LocalStack({
    ...options,
    owner: process.pid,
    startTimeoutMs: 180_000,
  });
  await stack.up();
}, 240_000);

afterAll(async () => {
  await stack?.down();
  stack?.clean();
}, 60_000);

async function stopBroker(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const kafka = readJson<Partial<Record<'kafka', ServiceState>>>(join(runDir, 'state.json'))?.kafka;
  if (!kafka) throw new Error('no kafka in this stack');
  process.kill(kafka.pid, signal);
  const deadline = Date.now() + 60_000;
  while (isAlive(kafka.pid) && Date.now() < deadline) await sleep(100);
  expect(isAlive(kafka.pid)).toBe(false);
}

describe('delivery through a broker restart', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`broker stopped with ${signal} for 20 s under ${N} in-flight requests: every caller answered once, every task terminal`, { timeout: 300_000 }, async () => {
      const config = parseConfig({ clientId: `restart-${signal}`, kafka: { brokers: [stack.kafkaAddress] }, registry: { url: stack.registryUrl } });
      const mesh: MeshConnection = connectMesh(config);
      const suffix = signal.toLowerCase();
      const name = `restart-${suffix}`;
      const topics = { tasks: `a2a.tasks.${suffix}`, dlq: `a2a.dlq.${suffix}`, registry: `agent.registry.${suffix}` };
      const executor = new SlowExecutor();
      const agent: RunningAgent = await serveAgent({ config, mesh, name, description: 'slow', skills: [], executor, topics, partitions: 6, concurrency: 32 });
      const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
      try {
        const card = kafkaAgentCard({ name, description: 'slow', brokers: [stack.kafkaAddress], skills: [] });
        const client = await rt.clientFactory().createFromAgentCard(card);
        const messages: Message[] = Array.from({ length: N }, (_, i) => ({
          messageId: `m-${suffix}-${i}`,
          contextId: `ctx-${suffix}-${i}`,
          taskId: '',
          role: 1,
          parts: [textPart('work 400')],
          metadata: undefined,
          extensions: [],
          referenceTaskIds: [],
        }));
        const settled = Promise.allSettled(messages.map((message) => client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }) as Promise<Task>));

        // the broker goes away while requests run, for 20 s, and comes back with its data
        await sleep(1500);
        const executedBefore = [...executor.executions.values()].reduce((a, b) => a + b, 0);
        const stoppedAt = Date.now();
        await stopBroker(signal);
        await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
        await stack.up();
        const restartedAt = Date.now();

        const results = await settled;
        const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        const tasks = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const completedAfter = Date.now() - restartedAt;

        const executions = [...executor.executions.values()];
        const total = executions.reduce((a, b) => a + b, 0);
        const twice = executions.filter((n) => n > 1).length;
        const replies = await finalRepliesPerRequest(mesh, rt.inbox.topic);
        const snaps = await snapshotCounts(mesh, topics.tasks);
        const nonTerminal = [...snaps.lastState.values()].filter((s) => !isTerminal(s)).length;
        const twoTerminal = [...snaps.terminalPerTask.values()].filter((n) => n > 1).length;
        const repliesTwice = [...replies.values()].filter((n) => n > 1).length;
        console.info(
          `broker ${signal}: ${N} requests, ${executedBefore} executions started before the stop; ${failed.length} callers failed; ` +
            `${total} executions for ${executor.executions.size} messages (${twice} ran twice); last answer ${completedAfter} ms after the restart; ` +
            `${replies.size} requests with final replies (${repliesTwice} with two or more); ${snaps.lastState.size} tasks, ${nonTerminal} non-terminal, ${twoTerminal} with two terminal snapshots; ` +
            `server: ${JSON.stringify(agent.server.stats)}`,
        );

        expect(failed.slice(0, 3)).toEqual([]);
        expect(tasks.every((t) => t.status?.state === 3)).toBe(true);
        for (const m of messages) expect(executor.executions.get(m.messageId) ?? 0, m.messageId).toBeGreaterThanOrEqual(1);
        expect(nonTerminal).toBe(0);
        expect(twoTerminal).toBe(0);
        expect(repliesTwice).toBe(0);
        // every request the client sent has exactly one final reply on its reply topic (retries of a produce included)
        expect([...replies.values()].reduce((a, b) => a + b, 0)).toBe(replies.size);
        expect(replies.size).toBeGreaterThanOrEqual(N);
      } finally {
        await rt.close().catch(() => {});
        await agent.stop(2000).catch(() => {});
      }
    });
  }
});
