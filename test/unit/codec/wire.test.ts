import { Role, TaskState, type Message, type Task } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { decodeOffline, encodeOffline, frame, getRecordType, parseFrame, toAvro } from '../../../src/codec/index.js';
import { frameEncoded } from '../../../src/codec/wire.js';
import { isKamfError } from '../../../src/core/errors.js';

const message: Message = {
  messageId: 'm-1',
  contextId: 'ctx',
  taskId: '',
  role: Role.ROLE_USER,
  parts: [{ content: { $case: 'text', value: '안녕하세요 🙂' }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
  metadata: { trace: { id: 1 } },
  extensions: [],
  referenceTaskIds: [],
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isKamfError(err) ? err.code : `not a KamfError: ${String(err)}`;
  }
  return undefined;
}

describe('Confluent wire framing', () => {
  it('frames as magic 0 + big-endian int32 id + body, and parses back', () => {
    const body = Buffer.from([1, 2, 3]);
    const buf = frame(0x01020304, body);
    expect([...buf]).toEqual([0, 1, 2, 3, 4, 1, 2, 3]);
    const f = parseFrame(buf);
    expect(f.schemaId).toBe(0x01020304);
    expect([...f.body]).toEqual([1, 2, 3]);
  });

  it('accepts an empty body and a Uint8Array input', () => {
    expect(parseFrame(new Uint8Array([0, 0, 0, 0, 9])).schemaId).toBe(9);
    expect(parseFrame(frame(9, Buffer.alloc(0))).body.length).toBe(0);
  });

  it('wrong magic byte → CODEC_BAD_MAGIC with a reason', () => {
    expect(codeOf(() => parseFrame(Buffer.from([1, 0, 0, 0, 1, 2])))).toBe('CODEC_BAD_MAGIC');
    expect(() => parseFrame(Buffer.from('{"json":true}'))).toThrow(/first byte is 0x7b, expected magic byte 0x00/);
  });

  it('fewer than 5 bytes → CODEC_TRUNCATED', () => {
    for (const b of [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0, 0, 1])]) {
      expect(codeOf(() => parseFrame(b))).toBe('CODEC_TRUNCATED');
    }
    expect(codeOf(() => parseFrame(null))).toBe('CODEC_TRUNCATED');
    expect(() => parseFrame(Buffer.from([0, 0]))).toThrow(/2 byte\(s\), need at least 5/);
  });

  it('rejects an invalid schema id when framing', () => {
    expect(codeOf(() => frame(-1, Buffer.alloc(0)))).toBe('CODEC_ENCODE_FAILED');
    expect(codeOf(() => frameEncoded(2 ** 31, (_, pos) => pos))).toBe('CODEC_ENCODE_FAILED');
  });

  it('frames a body written in place as frame() frames the same body, below, across and above the scratch sizes', () => {
    const type = getRecordType('Message');
    // the scratch starts at 16 KiB and grows to 1 MiB at most: 2 MiB takes a buffer of its own
    for (const size of [0, 100, 16 * 1024, 40 * 1024, 900 * 1024, 2 * 1024 * 1024, 100]) {
      const value = toAvro('Message', { ...message, messageId: 'x'.repeat(size) });
      const tail = Buffer.from([7, 8, 9]);
      const written = frameEncoded(77, (buf, pos) => type.encode(value, buf, pos), tail);
      expect(written.equals(frame(77, type.toBuffer(value), tail)), `size ${size}`).toBe(true);
      expect(decodeOffline('Message', frameEncoded(77, (buf, pos) => type.encode(value, buf, pos))).value.messageId.length).toBe(size);
    }
  });
});

describe('malformed bodies', () => {
  const good = encodeOffline(1, 'Message', message);

  it('decodes the good value', () => {
    expect(decodeOffline('Message', good).value).toStrictEqual(message);
  });

  it('trailing bytes → CODEC_DECODE_FAILED', () => {
    const buf = Buffer.concat([good, Buffer.from([0, 0])]);
    expect(codeOf(() => decodeOffline('Message', buf))).toBe('CODEC_DECODE_FAILED');
    expect(() => decodeOffline('Message', buf)).toThrow(/2 trailing byte/);
  });

  it('truncated body → CODEC_DECODE_FAILED', () => {
    for (let cut = 6; cut < good.length; cut += 3) {
      expect(codeOf(() => decodeOffline('Message', good.subarray(0, cut)))).toBe('CODEC_DECODE_FAILED');
    }
  });

  it('garbage body → CODEC_DECODE_FAILED, never another error', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 300; i++) {
      const body = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
      const code = codeOf(() => decodeOffline('Task', frame(1, body)));
      // random bytes may (rarely) be a valid Task; anything else must be a typed decode/mapping error
      expect([undefined, 'CODEC_DECODE_FAILED', 'CODEC_MAPPING_FAILED']).toContain(code);
    }
  });

  it('a bad enum index in the body → CODEC_DECODE_FAILED', () => {
    // Part fields: 4 nullable content fields, metadata, filename, mediaType; Message.role is an enum
    const body = Buffer.from([0, 0, 0, 0x7e /* role index 63 */, 0, 0, 0, 0, 0]);
    expect(codeOf(() => decodeOffline('Message', frame(1, body)))).toBe('CODEC_DECODE_FAILED');
  });
});

describe('mapping and encoding errors name the field', () => {
  it('a wrong scalar type → CODEC_ENCODE_FAILED with the Avro path', () => {
    const bad = { ...message, contextId: 42 } as unknown as Message;
    expect(() => encodeOffline(1, 'Message', bad)).toThrow(/Message\.contextId \(expected string, got number 42\)/);
  });

  it('a non-int32 historyLength → CODEC_ENCODE_FAILED naming the field', () => {
    const req = {
      requestId: 'r',
      method: 'GET_TASK' as const,
      params: { tenant: '', id: 't', historyLength: 1.5 },
    };
    expect(() => encodeOffline(1, 'A2ARequest', req)).toThrow(/A2ARequest\.getTask\.historyLength/);
  });

  it('an unknown enum value → CODEC_MAPPING_FAILED with the SDK path', () => {
    const bad = { ...message, role: 9 as Role };
    expect(codeOf(() => toAvro('Message', bad))).toBe('CODEC_MAPPING_FAILED');
    expect(() => toAvro('Message', bad)).toThrow(/^Message\.role: 9 is not a Role value/);
  });

  it('non-JSON metadata (BigInt) → CODEC_MAPPING_FAILED at the field', () => {
    const bad = { ...message, parts: [{ ...message.parts[0]!, metadata: { n: 1n } }] };
    expect(() => toAvro('Message', bad)).toThrow(/^Message\.parts\[0\]\.metadata: not JSON-serialisable/);
  });

  it('a oneof with two fields set on the wire → CODEC_MAPPING_FAILED', () => {
    const type = getRecordType('Part');
    const body = type.toBuffer({ text: 'a', raw: null, url: 'http://x', data: null, metadata: null, filename: '', mediaType: '' });
    expect(() => decodeOffline('Part', frame(1, body))).toThrow(/Part\.content: oneof has more than one field set \(text, url\)/);
  });

  it('invalid JSON text in metadata on the wire → CODEC_MAPPING_FAILED', () => {
    const type = getRecordType('Part');
    const body = type.toBuffer({ text: 'a', raw: null, url: null, data: null, metadata: '{nope', filename: '', mediaType: '' });
    expect(codeOf(() => decodeOffline('Part', frame(1, body)))).toBe('CODEC_MAPPING_FAILED');
  });

  it('an A2ARequest whose params field does not match its method → CODEC_MAPPING_FAILED', () => {
    const type = getRecordType('A2ARequest');
    const avroValue = toAvro('A2ARequest', {
      requestId: 'r',
      method: 'GET_TASK',
      params: { tenant: '', id: 't', historyLength: undefined },
    }) as Record<string, unknown>;
    const body = type.toBuffer({ ...avroValue, method: 'CANCEL_TASK' });
    expect(() => decodeOffline('A2ARequest', frame(1, body))).toThrow(
      /method CANCEL_TASK needs exactly the cancelTask params field set, found \[getTask\]/,
    );
  });

  it('a long outside the range avsc carries exactly → CODEC_MAPPING_FAILED', () => {
    const task: Task = { id: 't', contextId: '', status: undefined, artifacts: [], history: [], metadata: undefined };
    expect(() => toAvro('TaskSnapshot', { task, savedAt: -(2 ** 52) - 1 })).toThrow(/TaskSnapshot\.savedAt/);
  });

  it('an Avro map key "__proto__" is refused instead of silently lost', () => {
    const schemes = JSON.parse('{"__proto__": {"list": ["a"]}}') as Record<string, { list: string[] }>;
    const card = {
      name: '',
      description: '',
      supportedInterfaces: [],
      provider: undefined,
      version: '',
      documentationUrl: undefined,
      capabilities: undefined,
      securitySchemes: {},
      securityRequirements: [{ schemes }],
      defaultInputModes: [],
      defaultOutputModes: [],
      skills: [],
      signatures: [],
      iconUrl: undefined,
    };
    expect(() => toAvro('AgentCard', card)).toThrow(/AgentCard\.securityRequirements\[0\]\.schemes\["__proto__"\]/);
  });
});

describe('timestamps', () => {
  const status = (timestamp: string | undefined) => ({ state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp });

  it('a canonical ISO string travels as millis only', () => {
    const a = toAvro('TaskStatus', status('2024-05-01T12:34:56.789Z')) as Record<string, unknown>;
    expect(a.timestamp).toBe(Date.UTC(2024, 4, 1, 12, 34, 56, 789));
    expect(a.timestampText).toBeNull();
  });

  it('sub-millisecond digits and offsets keep the original text next to the millis', () => {
    for (const ts of ['2024-05-01T12:34:56.789123Z', '2024-05-01T21:34:56+09:00']) {
      const a = toAvro('TaskStatus', status(ts)) as Record<string, unknown>;
      expect(a.timestamp).toBe(Date.parse(ts));
      expect(a.timestampText).toBe(ts);
      expect(decodeOffline('TaskStatus', encodeOffline(1, 'TaskStatus', status(ts))).value.timestamp).toBe(ts);
    }
  });

  it('text that is not an RFC 3339 timestamp is kept as text, millis null', () => {
    const a = toAvro('TaskStatus', status('yesterday')) as Record<string, unknown>;
    expect(a.timestamp).toBeNull();
    expect(a.timestampText).toBe('yesterday');
  });
});

describe('large values', () => {
  it('a ~1 MB Korean/emoji text part and 256 KiB of raw bytes round-trip', () => {
    const big = '한국어🙂'.repeat(350_000);
    const raw = Buffer.alloc(256 * 1024, 7);
    const m: Message = {
      ...message,
      parts: [
        { content: { $case: 'text', value: big }, metadata: undefined, filename: '', mediaType: '' },
        { content: { $case: 'raw', value: raw }, metadata: undefined, filename: 'f.bin', mediaType: 'application/octet-stream' },
      ],
    };
    const buf = encodeOffline(1, 'Message', m);
    expect(buf.length).toBeGreaterThan(1_000_000);
    expect(decodeOffline('Message', buf).value).toStrictEqual(m);
  });
});
