import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { A2ACodec, AvroSerde, type SchemaRegistryClient, decodeOffline, encodeBody, taskSnapshotAroundAvro, toAvro } from '../../../src/codec/index.js';
import { arbitraries } from './arbitraries.js';

// the schema id is all the registry gives here: a fixed one, as a registry that already knows the subject would
const registry = { getRegistryIdBySchema: async () => 42, register: async () => ({ id: 42 }), getSchema: async () => undefined } as unknown as SchemaRegistryClient;
const arbs = arbitraries({ large: false });

describe('TaskSnapshot framed around an encoded Task body', () => {
  it('is byte for byte the whole snapshot encoded at once (generated snapshots)', async () => {
    const serde = new AvroSerde({ registry });
    const codec = new A2ACodec({ serde });
    await fc.assert(
      fc.asyncProperty(arbs.byRecordType.TaskSnapshot, async (snap) => {
        const avroTask = toAvro('Task', snap.task) as Record<string, unknown>;
        const whole = await codec.encodeMapped('a2a.tasks', 'TaskSnapshot', taskSnapshotAroundAvro(snap, avroTask));
        const around = await codec.encodeTaskSnapshotOfBody('a2a.tasks', snap, encodeBody('Task', avroTask));
        expect(around.equals(whole)).toBe(true);
        expect(decodeOffline('TaskSnapshot', around).value).toStrictEqual(snap);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a head that does not fit the schema, with a typed error naming the field', async () => {
    const codec = new A2ACodec({ serde: new AvroSerde({ registry }) });
    await expect(codec.encodeTaskSnapshotOfBody('a2a.tasks', { savedAt: Number.NaN }, Buffer.alloc(0))).rejects.toMatchObject({ code: 'CODEC_MAPPING_FAILED' });
    await expect(codec.encodeTaskSnapshotOfBody('a2a.tasks', { savedAt: 1, tenant: 5 as never }, Buffer.alloc(0))).rejects.toMatchObject({
      code: 'CODEC_ENCODE_FAILED',
      details: { paths: [expect.stringMatching(/^TaskSnapshot\.tenant \(expected .*, got number 5\)$/)] },
    });
  });
});
