/**
 * Typed facade: SDK value in, Confluent-framed Avro Buffer out, and back. The subject of a topic is
 * `${topic}-value` (Flink's default for the avro-confluent format).
 */
import type {
  AgentCard,
  Artifact,
  Message,
  Part,
  StreamResponse,
  Task,
  TaskArtifactUpdateEvent,
  TaskStatus,
  TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import { KamfError } from '../core/errors.js';
import { subjectOf as valueSubject } from '../core/topics.js';
import { type SdkTypes, fromAvro, taskSnapshotAroundAvro, toAvro } from './mapping/index.js';
import type { A2ARequest, A2AResponse, AgentRegistration, TaskSnapshot } from './mapping/envelopes.js';
import type { RecordTypeName } from './schema-defs.js';
import type { AvroSerde, DecodedRecord } from './serde.js';

/** The registry subject for a topic's record values (the rule lives in core/topics.ts). */
export { valueSubject };

export interface DecodedA2ARecord<K extends RecordTypeName = RecordTypeName> {
  schemaId: number;
  recordType: K;
  value: SdkTypes[K];
}

export class A2ACodec {
  readonly serde: AvroSerde;

  constructor(options: { serde: AvroSerde }) {
    this.serde = options.serde;
  }

  /** Registers (or finds) the schema of `recordType` under `${topic}-value`; returns its id. */
  register(topic: string, recordType: RecordTypeName): Promise<number> {
    return this.serde.register(recordType, valueSubject(topic));
  }

  /** SDK value → framed Avro, schema id resolved once per topic. */
  async encode<K extends RecordTypeName>(topic: string, recordType: K, value: SdkTypes[K]): Promise<Buffer> {
    return this.serde.encode(valueSubject(topic), recordType, toAvro(recordType, value));
  }

  /** Already mapped Avro value (see `toAvro`) → framed Avro: for callers that reuse one mapping twice. */
  encodeMapped(topic: string, recordType: RecordTypeName, avroValue: unknown): Promise<Buffer> {
    return this.serde.encode(valueSubject(topic), recordType, avroValue);
  }

  /**
   * A framed TaskSnapshot around a Task already encoded with `encodeBody('Task', ...)`: `task` is the snapshot's
   * last field, so the task store, which keeps that body anyway, does not encode the task a second time.
   */
  async encodeTaskSnapshotOfBody(topic: string, head: Omit<TaskSnapshot, 'task'>, taskBody: Buffer): Promise<Buffer> {
    return this.serde.encodeWithLastField(valueSubject(topic), 'TaskSnapshot', taskSnapshotAroundAvro(head, null as never), taskBody);
  }

  /** Framed Avro → SDK value, checked to be a `recordType` record. */
  async decode<K extends RecordTypeName>(recordType: K, buf: Buffer): Promise<SdkTypes[K]> {
    const d = await this.serde.decode(buf);
    return fromAvro(recordType, expect(recordType, d));
  }

  /** Framed Avro of any of our record types → its type name and SDK value. */
  async decodeAny(buf: Buffer): Promise<DecodedA2ARecord> {
    const d = await this.serde.decode(buf);
    if (!d.known) {
      throw new KamfError('CODEC_DECODE_FAILED', `schema id ${d.schemaId} is record ${d.recordType}, not a KAMF record type`, {
        details: { schemaId: d.schemaId, recordType: d.recordType },
      });
    }
    const recordType = d.recordType as RecordTypeName;
    return { schemaId: d.schemaId, recordType, value: fromAvro(recordType, d.value) } as DecodedA2ARecord;
  }

  encodeA2ARequest = (topic: string, v: A2ARequest) => this.encode(topic, 'A2ARequest', v);
  decodeA2ARequest = (buf: Buffer): Promise<A2ARequest> => this.decode('A2ARequest', buf);
  encodeA2AResponse = (topic: string, v: A2AResponse) => this.encode(topic, 'A2AResponse', v);
  decodeA2AResponse = (buf: Buffer): Promise<A2AResponse> => this.decode('A2AResponse', buf);
  encodeTask = (topic: string, v: Task) => this.encode(topic, 'Task', v);
  decodeTask = (buf: Buffer): Promise<Task> => this.decode('Task', buf);
  encodeTaskSnapshot = (topic: string, v: TaskSnapshot) => this.encode(topic, 'TaskSnapshot', v);
  decodeTaskSnapshot = (buf: Buffer): Promise<TaskSnapshot> => this.decode('TaskSnapshot', buf);
  encodeAgentRegistration = (topic: string, v: AgentRegistration) => this.encode(topic, 'AgentRegistration', v);
  decodeAgentRegistration = (buf: Buffer): Promise<AgentRegistration> => this.decode('AgentRegistration', buf);
  encodeMessage = (topic: string, v: Message) => this.encode(topic, 'Message', v);
  decodeMessage = (buf: Buffer): Promise<Message> => this.decode('Message', buf);
  encodePart = (topic: string, v: Part) => this.encode(topic, 'Part', v);
  decodePart = (buf: Buffer): Promise<Part> => this.decode('Part', buf);
  encodeArtifact = (topic: string, v: Artifact) => this.encode(topic, 'Artifact', v);
  decodeArtifact = (buf: Buffer): Promise<Artifact> => this.decode('Artifact', buf);
  encodeTaskStatus = (topic: string, v: TaskStatus) => this.encode(topic, 'TaskStatus', v);
  decodeTaskStatus = (buf: Buffer): Promise<TaskStatus> => this.decode('TaskStatus', buf);
  encodeTaskStatusUpdateEvent = (topic: string, v: TaskStatusUpdateEvent) => this.encode(topic, 'TaskStatusUpdateEvent', v);
  decodeTaskStatusUpdateEvent = (buf: Buffer): Promise<TaskStatusUpdateEvent> => this.decode('TaskStatusUpdateEvent', buf);
  encodeTaskArtifactUpdateEvent = (topic: string, v: TaskArtifactUpdateEvent) => this.encode(topic, 'TaskArtifactUpdateEvent', v);
  decodeTaskArtifactUpdateEvent = (buf: Buffer): Promise<TaskArtifactUpdateEvent> => this.decode('TaskArtifactUpdateEvent', buf);
  encodeStreamResponse = (topic: string, v: StreamResponse) => this.encode(topic, 'StreamResponse', v);
  decodeStreamResponse = (buf: Buffer): Promise<StreamResponse> => this.decode('StreamResponse', buf);
  encodeAgentCard = (topic: string, v: AgentCard) => this.encode(topic, 'AgentCard', v);
  decodeAgentCard = (buf: Buffer): Promise<AgentCard> => this.decode('AgentCard', buf);
}

function expect(recordType: RecordTypeName, d: DecodedRecord): unknown {
  if (!d.known || d.recordType !== recordType) {
    throw new KamfError('CODEC_DECODE_FAILED', `expected a ${recordType} record, got ${d.recordType} (schema id ${d.schemaId})`, {
      details: { expected: recordType, actual: d.recordType, schemaId: d.schemaId },
    });
  }
  return d.value;
}
