/**
 * A2A over Kafka, end to end: the SDK Client sends SendMessage to an echo agent and waits for the completed task.
 * Measures throughput at a given client concurrency and the latency distribution of each request.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@a2a-js/sdk';
import type { KamfConfig } from '../src/core/config.js';
import { connectMesh } from '../src/binding/mesh.js';
import { serveAgent } from '../src/binding/serve.js';
import { KafkaClientRuntime } from '../src/binding/client/runtime.js';
import { textPart } from '../src/agent-kit/events.js';
import { EchoExecutor } from '../agents/echo/executor.js';
import { driveConcurrently, summarize, type BenchResult } from './stats.js';

export async function bindingBenchmark(config: KamfConfig, n: number, concurrency: number, serverConcurrency: number): Promise<BenchResult> {
  const mesh = connectMesh(config);
  const suffix = randomUUID().slice(0, 6);
  const agent = await serveAgent({
    config,
    mesh,
    name: `bench-${suffix}`,
    description: 'benchmark echo',
    skills: [],
    executor: new EchoExecutor(),
    concurrency: serverConcurrency,
    topics: { tasks: `bench.tasks.${suffix}`, registry: `bench.registry.${suffix}`, dlq: `bench.dlq.${suffix}` },
  });
  const rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 120_000 });
  const client = await rt.clientFactory().createFromAgentCard(agent.card);
  const send = (i: number) => {
    const message: Message = { messageId: randomUUID(), contextId: `c-${i}`, taskId: '', role: 1, parts: [textPart(`bench ${i}`)], metadata: undefined, extensions: [], referenceTaskIds: [] };
    return client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined });
  };
  for (let i = 0; i < 50; i++) await send(-i); // warm up: schema ids, metadata, JIT
  const t0 = Date.now();
  const latencies = await driveConcurrently(n, concurrency, send);
  const seconds = (Date.now() - t0) / 1000;
  await rt.close();
  await agent.stop(5000);
  return summarize(`binding: SendMessage round trip (client concurrency ${concurrency}, server ${serverConcurrency})`, latencies, seconds);
}
