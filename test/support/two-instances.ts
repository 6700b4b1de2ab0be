/**
 * Two instances of one agent sharing its task topic: A on agent.<name>.requests, B on another lane of it, each in
 * its own consumer group, so a request sent to A's topic runs on A and B only follows the task topic.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import type { MeshConnection } from '../../src/binding/mesh.js';
import { KafkaAgentServer, type KafkaAgentServerOptions } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import type { KafkaPush, kafkaPush } from '../../src/push/index.js';
import { testConfig } from './infra.js';

export async function startTwoInstances(
  mesh: MeshConnection,
  opts: { name: string; tasksTopic: string; executor: () => AgentExecutor; server?: Partial<KafkaAgentServerOptions>; push?: ReturnType<typeof kafkaPush> },
): Promise<{ card: AgentCard; a: KafkaAgentServer; b: KafkaAgentServer; topicA: string; pushes: KafkaPush[] }> {
  const { name, tasksTopic } = opts;
  const topicA = agentRequestTopic(name);
  const topicB = agentRequestTopic(name, 'b');
  await ensureTopics(mesh.kafka, [
    { name: topicA, partitions: 1, compacted: false },
    { name: topicB, partitions: 1, compacted: false },
    { name: tasksTopic, partitions: 1, compacted: true },
  ]);
  const card = kafkaAgentCard({ name, description: 'x', brokers: testConfig().kafka.brokers, skills: [{ id: 'work', name: 'w', description: 'w' }], ...(opts.push ? { pushNotifications: true } : {}) });
  const pushes: KafkaPush[] = [];
  const start = async (topic: string, groupId: string, id: string) => {
    const instanceId = `${name}.${id}`;
    // push support of each instance, started before its server as serveAgent does
    const push = opts.push?.({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, instanceId, tasksTopic });
    if (push) {
      await push.start();
      pushes.push(push);
    }
    const s = new KafkaAgentServer({ kafka: mesh.kafka, codec: mesh.codec, agentName: name, card, executor: opts.executor(), requestTopics: [topic], groupId, tasksTopic, instanceId, ...(push ? { pushNotificationStore: push.store } : {}), ...opts.server });
    await s.start();
    return s;
  };
  const a = await start(topicA, `agent.${name}`, 'a');
  const b = await start(topicB, `agent.${name}.b`, 'b');
  return { card, a, b, topicA, pushes };
}
