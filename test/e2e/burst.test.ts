/**
 * A burst of 10,000 requests lands on an agent's request topic at once. The agent must work through them from
 * Kafka with bounded concurrency, so its memory stays bounded: the backlog waits in the topic, not in the process.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { textPart } from '../../src/agent-kit/events.js';
import { connectMesh } from '../../src/binding/mesh.js';
import { HEADERS } from '../../src/binding/protocol.js';
import type { A2ARequest } from '../../src/codec/index.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { spawnAgent, type AgentProcess } from '../support/agent-process.js';
import { testConfig } from '../support/infra.js';

const N = 10_000;
/** The bound this test states: resident memory may grow at most this much over the idle agent while it drains. */
const RSS_GROWTH_BOUND_MB = 200;
/** The agent runs with its V8 old space capped: a process that buffered the backlog would die of it. */
const HEAP_CAP_MB = 128;
const suffix = randomUUID().slice(0, 6);
const name = `burst-${suffix}`;
let proc: AgentProcess | undefined;

afterAll(() => {
  if (proc?.child.exitCode === null) proc.child.kill('SIGKILL');
});

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe('burst', () => {
  it(`${N} requests at once: all handled, agent memory stays under +${RSS_GROWTH_BOUND_MB} MB with a ${HEAP_CAP_MB} MB heap cap`, async () => {
    const mesh = connectMesh(testConfig());
    const topic = agentRequestTopic(name);
    const replies = `a2a.replies.burst-${suffix}`;
    const tasksTopic = `a2a.tasks.${suffix}`;
    await ensureTopics(mesh.kafka, [
      { name: topic, partitions: 6, compacted: false },
      { name: replies, partitions: 1, compacted: false },
      { name: tasksTopic, partitions: 3, compacted: true },
      { name: `agent.registry.${suffix}`, partitions: 1, compacted: true },
    ]);
    proc = await spawnAgent('echo', {
      KAMF_AGENT_NAME: name,
      KAMF_AGENT_CONCURRENCY: '64',
      KAMF_TASKS_TOPIC: tasksTopic,
      KAMF_DLQ_TOPIC: `a2a.dlq.${suffix}`,
      KAMF_REGISTRY_TOPIC: `agent.registry.${suffix}`,
    }, 60_000, [`--max-old-space-size=${HEAP_CAP_MB}`]);
    const pid = proc.child.pid!;
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = rssMb(pid);

    // produce the whole burst before the agent can drain much of it
    const producer = mesh.kafka.producer();
    await producer.connect();
    for (let batch = 0; batch < N / 1000; batch++) {
      const messages = await Promise.all(
        Array.from({ length: 1000 }, async (_, j) => {
          const i = batch * 1000 + j;
          const requestId = `${suffix}-${i}`;
          const request: A2ARequest = {
            requestId,
            method: 'SEND_MESSAGE',
            params: {
              tenant: '',
              message: { messageId: requestId, contextId: `c-${i}`, taskId: '', role: 1, parts: [textPart(`burst ${i} ${'x'.repeat(200)}`)], metadata: undefined, extensions: [], referenceTaskIds: [] },
              configuration: undefined,
              metadata: undefined,
            },
          };
          return {
            key: `c-${i}`,
            value: await mesh.codec.encodeA2ARequest(topic, request),
            headers: { [HEADERS.correlationId]: requestId, [HEADERS.replyTo]: replies, [HEADERS.version]: '1.0', [HEADERS.method]: 'SEND_MESSAGE' },
          };
        }),
      );
      await producer.send({ topic, messages });
    }
    await producer.disconnect();

    // sample the agent's memory until its group has committed every request
    const admin = mesh.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    const total = ends.reduce((s, e) => s + Number(e.high), 0);
    expect(total).toBe(N);
    let peak = baseline;
    let committed = 0;
    const deadline = Date.now() + 240_000;
    while (committed < N && Date.now() < deadline) {
      peak = Math.max(peak, rssMb(pid));
      const offsets = await admin.fetchOffsets({ groupId: `agent.${name}`, topics: [topic] });
      committed = offsets[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      await new Promise((r) => setTimeout(r, 250));
    }
    const replyEnds = await admin.fetchTopicOffsets(replies);
    await admin.disconnect();
    const replyCount = replyEnds.reduce((s, e) => s + Number(e.high), 0);
    console.info(`burst: baseline ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, ${committed} committed, ${replyCount} replies`);
    expect(committed).toBe(N);
    expect(replyCount).toBe(N);
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(proc.child.exitCode).toBeNull(); // still alive under its heap cap

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
