/** The slow agent with push notifications on Kafka, as a child process a test can SIGKILL (topics from KAMF_PUSH_*). */
import { loadConfig } from '../../src/core/index.js';
import { serveAgent, stopOnSignals } from '../../src/binding/index.js';
import { kafkaPush } from '../../src/push/index.js';
import { SlowExecutor } from '../../agents/slow/executor.js';

const env = process.env;
const agent = await serveAgent({
  config: loadConfig(),
  name: env.KAMF_AGENT_NAME ?? 'push-slow',
  description: 'slow agent with push notifications',
  skills: [{ id: 'work', name: 'Work', description: 'Works for N milliseconds' }],
  executor: new SlowExecutor(),
  partitions: 1,
  topics: { ...(env.KAMF_TASKS_TOPIC ? { tasks: env.KAMF_TASKS_TOPIC } : {}) },
  push: kafkaPush({
    policy: { allowHosts: ['127.0.0.1'] },
    // a webhook that is down for a while: retried without a practical end, so nothing goes to the DLQ here
    maxAttempts: 10_000,
    backoffMs: 100,
    maxBackoffMs: 200,
    timeoutMs: 1000,
    ...(env.KAMF_PUSH_CONFIGS_TOPIC ? { configsTopic: env.KAMF_PUSH_CONFIGS_TOPIC } : {}),
    ...(env.KAMF_PUSH_DLQ_TOPIC ? { dlqTopic: env.KAMF_PUSH_DLQ_TOPIC } : {}),
    ...(env.KAMF_PUSH_DELIVERIES_TOPIC ? { deliveriesTopic: env.KAMF_PUSH_DELIVERIES_TOPIC } : {}),
  }),
});
stopOnSignals(() => agent.stop());
process.stderr.write(`agent ${agent.name} (instance ${agent.server.instanceId}) serving ${agent.server.requestTopics.join(', ')}\n`);
