/** The topics the embedded router creates at start (its sources, sinks and DLQ), through the core's ensureTopics. */
import type { Kafka } from 'kafkajs';
import { ensureTopics } from '../../core/admin.js';
import { KamfError } from '../../core/errors.js';

/** Creates the missing ones and waits for their leaders; resolves with the names created. A refusal stops the start. */
export async function createRouterTopics(kafka: Kafka, specs: Array<{ name: string; partitions: number }>, what: string): Promise<string[]> {
  return ensureTopics(kafka, specs.map((s) => ({ ...s, compacted: false }))).catch((err: unknown) => {
    throw new KamfError('KAFKA_ERROR', `The router cannot create its ${what} ${specs.map((s) => s.name).join(', ')}: ${(err as Error).message}`, {
      cause: err,
      hint: 'Create them up front, or grant the router CREATE on the cluster; createTopics: false skips this step.',
    });
  });
}
