/**
 * Several processes start at once and register the same schema under a subject that does not exist yet (two
 * instances of one agent, each creating its task topic's subject). Every one of them must end up with the id.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { AvroSerde } from '../../src/codec/index.js';
import { testEndpoints } from '../support/infra.js';

describe('concurrent registration', () => {
  it('eight serdes registering one new subject at once all get the same schema id', async () => {
    const { registryUrl } = testEndpoints();
    for (let round = 0; round < 3; round++) {
      const subject = `race.${randomUUID()}-value`;
      // separate registry clients and serdes: nothing cached or shared, as in separate processes
      const ids = await Promise.all(
        Array.from({ length: 8 }, () => new AvroSerde({ registry: new SchemaRegistry({ host: registryUrl }) }).register('TaskSnapshot', subject)),
      );
      expect(new Set(ids).size).toBe(1);
    }
  });
});
