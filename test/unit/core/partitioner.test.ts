import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keyHashPartitioner, murmur2 } from '../../../src/core/partitioner.js';

// kafkajs' own hash, the implementation ours must agree with value by value
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;

const args = (key: Buffer | string | null, partitions: number, partition?: number): PartitionerArgs => ({
  topic: 't',
  partitionMetadata: Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })),
  message: { key, value: 'v', ...(partition === undefined ? {} : { partition }) },
});

describe('murmur2', () => {
  it("matches the vectors of Kafka's UtilsTest", () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      ['', 275646681],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });

  it("equals kafkajs' hash on 5,000 generated keys of every length remainder", () => {
    for (let i = 0; i < 5000; i++) {
      const key = randomBytes(i % 67);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });
});

describe('keyHashPartitioner', () => {
  it("picks kafkajs' DefaultPartitioner's partition for string and byte keys", () => {
    const ours = keyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 2000; i++) {
      const partitions = 1 + (i % 13);
      const key = i % 2 ? randomBytes(1 + (i % 40)) : `task-${i}-${randomBytes(4).toString('hex')}-ü€`;
      expect(ours(args(key, partitions))).toBe(theirs(args(key, partitions)));
    }
  });

  it('keeps an explicit partition and spreads keyless records evenly over every partition', () => {
    const p = keyHashPartitioner();
    expect(p(args('k', 8, 5))).toBe(5);
    // round robin: 16 records over 4 partitions land 4 times on each
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 16; i++) counts[p(args(null, 4))]!++;
    expect(counts).toEqual([4, 4, 4, 4]);
  });
});
