/**
 * `EffectWriter.writeLatest` against a real broker: versions of one key queued in the same turn reach the topic as
 * one record (the last), every caller's promise settles with that write, other keys and plain writes keep their
 * records, and a version written after its predecessor left the queue is a record of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EffectWriter } from '../../src/binding/server/effects.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { ensureTopics } from '../../src/core/admin.js';
import { readTopic } from '../support/delivery.js';
import { testConfig } from '../support/infra.js';

const topic = `latest.${randomUUID().slice(0, 8)}`;
let mesh: MeshConnection;
let writer: EffectWriter;

beforeAll(async () => {
  mesh = connectMesh(testConfig());
  await ensureTopics(mesh.kafka, [{ name: topic, partitions: 1, compacted: false }]);
  writer = new EffectWriter({ kafka: mesh.kafka });
  await writer.start();
});

afterAll(async () => {
  await writer?.stop();
});

describe('EffectWriter.writeLatest', () => {
  it('writes one record per key for versions queued together, and a new record once the earlier one left', async () => {
    const v = (key: string, n: number) => ({ key, value: Buffer.from(`${key}:${n}`) });
    const a1 = writer.writeLatest(topic, 'a', v('a', 1));
    const b1 = writer.writeLatest(topic, 'b', v('b', 1));
    const plain = writer.write(topic, v('p', 1));
    // the plain write awaits its checks before it joins the queue; the later versions find theirs queued
    for (let i = 0; i < 10; i++) await Promise.resolve(); // microtasks only: the writer flushes at setImmediate
    const a2 = writer.writeLatest(topic, 'a', v('a', 2));
    const a3 = writer.writeLatest(topic, 'a', v('a', 3));
    expect([a1.superseded, b1.superseded, a2.superseded, a3.superseded]).toEqual([false, false, true, true]);
    await Promise.all([a1.written, b1.written, plain, a2.written, a3.written]);
    // written and gone from the queue: the next version is a record of its own
    const a4 = writer.writeLatest(topic, 'a', v('a', 4));
    expect(a4.superseded).toBe(false);
    await a4.written;

    const values = (await readTopic(mesh, topic)).map((m) => m.value!.toString('utf8'));
    expect(values).toEqual(['a:3', 'b:1', 'p:1', 'a:4']);
    expect(writer.stats.superseded).toBe(2);
  }, 30_000);
});
