/** Codec throughput without a registry: SDK value → Confluent-framed Avro → SDK value. */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { decodeOffline, encodeOffline } from '../src/codec/index.js';
import type { BenchResult } from './stats.js';

const part = (text: string) => ({ content: { $case: 'text' as const, value: text }, mediaType: 'text/plain', filename: '', metadata: undefined });

function message(i: number): Message {
  return { messageId: randomUUID(), contextId: `ctx-${i}`, taskId: '', role: 1, parts: [part(`Is Terran too strong? #${i}`)], metadata: { i }, extensions: [], referenceTaskIds: [] };
}

function task(i: number): Task {
  return {
    id: randomUUID(),
    contextId: `ctx-${i}`,
    status: { state: 3, message: { ...message(i), role: 2 }, timestamp: new Date().toISOString() },
    artifacts: [{ artifactId: 'answer', name: 'answer', description: '', parts: [part('Terran won 56.7% of 17,285 games'.repeat(4))], metadata: undefined, extensions: [] }],
    history: [message(i)],
    metadata: undefined,
  };
}

function run(name: string, n: number, fn: (i: number) => void): BenchResult {
  for (let i = 0; i < Math.min(1000, n); i++) fn(i); // warm up the JIT
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, ops: n, seconds, opsPerSecond: n / seconds };
}

export function codecBenchmarks(n: number): BenchResult[] {
  const m = message(1);
  const t = task(1);
  const mBytes = encodeOffline(1, 'Message', m);
  const tBytes = encodeOffline(1, 'Task', t);
  return [
    run('codec: encode Message', n, () => encodeOffline(1, 'Message', m)),
    run('codec: decode Message', n, () => decodeOffline('Message', mBytes)),
    run('codec: encode Task', n, () => encodeOffline(1, 'Task', t)),
    run('codec: decode Task', n, () => decodeOffline('Task', tBytes)),
  ];
}
