/** Credentials in the authorization header: refused without them, and tasks are scoped to the user they name. */
import { randomUUID } from 'node:crypto';
import type { Message, Task } from '@a2a-js/sdk';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaAgentCard } from '../../src/agent-kit/card.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { UnauthenticatedError } from '../../src/binding/server/errors.js';
import { KafkaAgentServer } from '../../src/binding/server/server.js';
import { ensureTopics } from '../../src/core/admin.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const name = `auth-${suffix}`;
const TOKENS: Record<string, string> = { 'Bearer alice-token': 'alice', 'Bearer bob-token': 'bob' };
let mesh: MeshConnection;
let server: KafkaAgentServer;
let rt: KafkaClientRuntime;

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  const tasksTopic = `a2a.tasks.${suffix}`;
  await ensureTopics(mesh.kafka, [
    { name: agentRequestTopic(name), partitions: 1, compacted: false },
    { name: tasksTopic, partitions: 1, compacted: true },
  ]);
  const card = kafkaAgentCard({ name, description: 'a', brokers: testConfig().kafka.brokers, skills: [] });
  server = new KafkaAgentServer({
    kafka: mesh.kafka,
    codec: mesh.codec,
    agentName: name,
    card,
    executor: new EchoExecutor(),
    tasksTopic,
    authenticate: (headers) => {
      const userName = TOKENS[headers.authorization ?? ''];
      if (!userName) throw new UnauthenticatedError();
      return { isAuthenticated: true, userName };
    },
  });
  await server.start();
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 15_000 });
});
afterAll(async () => {
  await rt?.close();
  await server?.stop(2000);
});

const msg = (text: string): Message => ({ messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] });

describe('authentication', () => {
  it('refuses a request without valid credentials with code -32040', async () => {
    const t = rt.transportTo(agentRequestTopic(name), kafkaAgentCard({ name, description: 'a', brokers: [], skills: [] }));
    const err = await t.sendMessage({ tenant: '', message: msg('hi'), configuration: undefined, metadata: undefined }).catch((e: unknown) => e);
    expect((err as { envelopeCode?: number; code?: number }).envelopeCode ?? (err as { code?: number }).code).toBe(-32040);
    expect(String((err as Error).message)).toMatch(/Unauthenticated/);
  });

  it("scopes tasks per user: alice's task is invisible to bob", async () => {
    const t = rt.transportTo(agentRequestTopic(name), kafkaAgentCard({ name, description: 'a', brokers: [], skills: [] }));
    const as = (token: string) => ({ serviceParameters: { authorization: token } });
    const task = (await t.sendMessage({ tenant: '', message: msg('secret'), configuration: undefined, metadata: undefined }, as('Bearer alice-token'))) as Task;
    expect(task.status?.state).toBe(3);
    const mine = await t.getTask({ id: task.id, tenant: '', historyLength: undefined }, as('Bearer alice-token'));
    expect(mine.id).toBe(task.id);
    await expect(t.getTask({ id: task.id, tenant: '', historyLength: undefined }, as('Bearer bob-token'))).rejects.toBeInstanceOf(TaskNotFoundError);
  });
});
