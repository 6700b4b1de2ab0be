import { Role, type Message } from '@a2a-js/sdk';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { A2ACodec, AvroSerde, type SchemaRegistryClient, frame, getSchema } from '../../../src/codec/index.js';
import { isKamfError } from '../../../src/core/errors.js';

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** In-memory stand-in for @kafkajs/confluent-schema-registry, shaped like its real behaviour. */
class FakeRegistry {
  calls = { lookup: 0, register: 0, getSchema: 0 };
  registerOpts: unknown[] = [];
  nextId = 100;
  bySubject = new Map<string, Map<string, number>>();
  byId = new Map<number, string>();
  hang = false;
  compatibilityOnSubject: string | undefined;

  asClient(): SchemaRegistryClient {
    return this as unknown as SchemaRegistryClient;
  }

  async getRegistryIdBySchema(subject: string, schema: { schema: string }): Promise<number> {
    this.calls.lookup++;
    const id = this.bySubject.get(subject)?.get(schema.schema);
    if (id === undefined) throw new NamedError('ConfluentSchemaRegistryError', 'Schema not found');
    return id;
  }

  async register(schema: { schema: string }, opts: { subject: string; compatibility?: string }): Promise<{ id: number }> {
    this.calls.register++;
    this.registerOpts.push(opts);
    if (this.compatibilityOnSubject && (opts.compatibility ?? 'BACKWARD') !== this.compatibilityOnSubject) {
      throw new NamedError(
        'ConfluentSchemaRegistryCompatibilityError',
        `Compatibility does not match the configuration (${opts.compatibility ?? 'BACKWARD'} != ${this.compatibilityOnSubject})`,
      );
    }
    const id = this.nextId++;
    this.put(opts.subject, schema.schema, id);
    return { id };
  }

  put(subject: string, schemaText: string, id: number): void {
    if (!this.bySubject.has(subject)) this.bySubject.set(subject, new Map());
    this.bySubject.get(subject)!.set(schemaText, id);
    this.byId.set(id, schemaText);
  }

  async getSchema(id: number): Promise<avro.Type> {
    this.calls.getSchema++;
    if (this.hang) return new Promise(() => undefined);
    const text = this.byId.get(id);
    if (text === undefined) throw Object.assign(new Error(`No content with ID '${id}' was found.`), { status: 404 });
    return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
  }
}

const message: Message = {
  messageId: 'm',
  contextId: 'c',
  taskId: '',
  role: Role.ROLE_AGENT,
  parts: [{ content: { $case: 'url', value: 'https://example.com/f' }, metadata: undefined, filename: 'f', mediaType: 'text/html' }],
  metadata: undefined,
  extensions: ['urn:x'],
  referenceTaskIds: [],
};

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isKamfError(err) ? err.code : `not a KamfError: ${String(err)}`;
  }
  return undefined;
}

describe('AvroSerde', () => {
  it('resolves the schema id once per subject, registering when missing, and encodes without the registry after', async () => {
    const reg = new FakeRegistry();
    const codec = new A2ACodec({ serde: new AvroSerde({ registry: reg.asClient() }) });
    const bufs = await Promise.all(Array.from({ length: 50 }, () => codec.encodeMessage('agent.x.replies', message)));
    for (let i = 0; i < 50; i++) bufs.push(await codec.encodeMessage('agent.x.replies', message));
    expect(reg.calls).toEqual({ lookup: 1, register: 1, getSchema: 0 });
    expect(reg.registerOpts[0]).toMatchObject({ subject: 'agent.x.replies-value' });
    expect(bufs[0]!.readInt32BE(1)).toBe(100);
    for (const b of bufs) expect(await codec.decodeMessage(b)).toStrictEqual(message);
    expect(reg.calls.getSchema).toBe(1);
  });

  it('register() finds an existing schema instead of registering it again', async () => {
    const reg = new FakeRegistry();
    reg.put('t-value', getSchema('Task').text, 7);
    const serde = new AvroSerde({ registry: reg.asClient() });
    expect(await serde.register('Task', 't-value')).toBe(7);
    expect(reg.calls.register).toBe(0);
  });

  it('accepts the subject compatibility level the registry already has', async () => {
    const reg = new FakeRegistry();
    reg.compatibilityOnSubject = 'NONE';
    const serde = new AvroSerde({ registry: reg.asClient() });
    expect(await serde.register('Part', 'p-value')).toBe(100);
    expect(reg.registerOpts).toEqual([{ subject: 'p-value' }, { subject: 'p-value', compatibility: 'NONE' }]);
  });

  it('autoRegister: false fails with CODEC_UNKNOWN_SCHEMA for a subject without our schema', async () => {
    const serde = new AvroSerde({ registry: new FakeRegistry().asClient(), autoRegister: false });
    expect(await codeOf(serde.encode('x-value', 'Task', {}))).toBe('CODEC_UNKNOWN_SCHEMA');
  });

  it('an id the registry does not know → CODEC_UNKNOWN_SCHEMA', async () => {
    const serde = new AvroSerde({ registry: new FakeRegistry().asClient() });
    expect(await codeOf(serde.decode(frame(4242, Buffer.from([0]))))).toBe('CODEC_UNKNOWN_SCHEMA');
  });

  it('a registry that never answers → SCHEMA_REGISTRY_ERROR after the timeout, not a hang', async () => {
    const reg = new FakeRegistry();
    reg.hang = true;
    const serde = new AvroSerde({ registry: reg.asClient(), registryTimeoutMs: 50 });
    const t0 = Date.now();
    expect(await codeOf(serde.decode(frame(1, Buffer.from([0]))))).toBe('SCHEMA_REGISTRY_ERROR');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('reads an older writer schema through a resolver (schema evolution), cached per id', async () => {
    const reg = new FakeRegistry();
    // an older Part without `url` and `mediaType`
    const old = {
      type: 'record',
      name: 'Part',
      namespace: 'dev.kamf.a2a.v1',
      fields: [
        { name: 'text', type: ['null', 'string'], default: null },
        { name: 'raw', type: ['null', 'bytes'], default: null },
        { name: 'data', type: ['null', 'string'], default: null },
        { name: 'metadata', type: ['null', 'string'], default: null },
        { name: 'filename', type: 'string', default: '' },
      ],
    };
    reg.put('old-value', JSON.stringify(old), 5);
    const writer = avro.Type.forSchema(old as avro.Schema);
    const body = writer.toBuffer({ text: '옛날', raw: null, data: null, metadata: '{"v":1}', filename: 'a.txt' });
    const codec = new A2ACodec({ serde: new AvroSerde({ registry: reg.asClient() }) });
    for (let i = 0; i < 3; i++) {
      expect(await codec.decodePart(frame(5, body))).toStrictEqual({
        content: { $case: 'text', value: '옛날' },
        metadata: { v: 1 },
        filename: 'a.txt',
        mediaType: '',
      });
    }
    expect(reg.calls.getSchema).toBe(1);
  });

  it('a record that is not the expected type → CODEC_DECODE_FAILED', async () => {
    const reg = new FakeRegistry();
    const codec = new A2ACodec({ serde: new AvroSerde({ registry: reg.asClient() }) });
    const buf = await codec.encodeMessage('m', message);
    expect(await codeOf(codec.decodeTask(buf))).toBe('CODEC_DECODE_FAILED');
    const any = await codec.decodeAny(buf);
    expect(any.recordType).toBe('Message');
    expect(any.value).toStrictEqual(message);
    // a foreign record (not one of ours) is decoded raw by the serde and refused by the facade
    reg.put('f-value', JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'a', type: 'int' }] }), 9);
    const foreign = frame(9, Buffer.from([2]));
    expect(await new AvroSerde({ registry: reg.asClient() }).decode(foreign)).toMatchObject({ known: false, recordType: 'Other' });
    expect(await codeOf(codec.decodeAny(foreign))).toBe('CODEC_DECODE_FAILED');
  });

  it('garbage after a valid frame header → CODEC_DECODE_FAILED', async () => {
    const reg = new FakeRegistry();
    const codec = new A2ACodec({ serde: new AvroSerde({ registry: reg.asClient() }) });
    const buf = await codec.encodeMessage('m', message);
    const garbage = Buffer.concat([buf.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    expect(await codeOf(codec.decodeMessage(garbage))).toBe('CODEC_DECODE_FAILED');
    expect(await codeOf(codec.decodeMessage(Buffer.concat([buf, Buffer.from([1])])))).toBe('CODEC_DECODE_FAILED');
  });
});
