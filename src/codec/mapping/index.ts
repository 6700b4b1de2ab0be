/**
 * The SDK ⇄ Avro mapping of every top-level record type, in one table. `toAvro` gives avsc's plain JS
 * value for the record's schema; `fromAvro` takes a value decoded with that schema.
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
import { KamfError, isKamfError } from '../../core/errors.js';
import type { RecordTypeName } from '../schema-defs.js';
import { agentCardFromAvro, agentCardToAvro } from './agent-card.js';
import {
  type AvroArtifact,
  type AvroMessage,
  type AvroPart,
  type AvroStreamResponse,
  type AvroTask,
  type AvroTaskArtifactUpdateEvent,
  type AvroTaskStatus,
  type AvroTaskStatusUpdateEvent,
  artifactFromAvro,
  artifactToAvro,
  artifactUpdateFromAvro,
  artifactUpdateToAvro,
  messageFromAvro,
  messageToAvro,
  partFromAvro,
  partToAvro,
  statusUpdateFromAvro,
  statusUpdateToAvro,
  streamResponseFromAvro,
  streamResponseToAvro,
  taskFromAvro,
  taskStatusFromAvro,
  taskStatusToAvro,
  taskToAvro,
} from './core.js';
import {
  type A2ARequest,
  type A2AResponse,
  type AgentRegistration,
  type TaskSnapshot,
  a2aRequestFromAvro,
  a2aRequestToAvro,
  a2aResponseFromAvro,
  a2aResponseToAvro,
  agentRegistrationFromAvro,
  agentRegistrationToAvro,
  taskSnapshotFromAvro,
  taskSnapshotToAvro,
} from './envelopes.js';
import type { AvroRecord } from './util.js';

export type * from './envelopes.js';
export { PARAMS_FIELD_OF, taskSnapshotAroundAvro } from './envelopes.js';

/** The TypeScript (SDK-side) type of each top-level record. */
export interface SdkTypes {
  A2ARequest: A2ARequest;
  A2AResponse: A2AResponse;
  Task: Task;
  TaskSnapshot: TaskSnapshot;
  AgentRegistration: AgentRegistration;
  Message: Message;
  Part: Part;
  Artifact: Artifact;
  TaskStatus: TaskStatus;
  TaskStatusUpdateEvent: TaskStatusUpdateEvent;
  TaskArtifactUpdateEvent: TaskArtifactUpdateEvent;
  StreamResponse: StreamResponse;
  AgentCard: AgentCard;
}

interface Mapping<T> {
  toAvro(v: T, path: string): unknown;
  fromAvro(a: unknown, path: string): T;
}

const MAPPINGS: { [K in RecordTypeName]: Mapping<SdkTypes[K]> } = {
  A2ARequest: { toAvro: a2aRequestToAvro, fromAvro: (a, p) => a2aRequestFromAvro(a as AvroRecord, p) },
  A2AResponse: { toAvro: a2aResponseToAvro, fromAvro: (a, p) => a2aResponseFromAvro(a as AvroRecord, p) },
  Task: { toAvro: taskToAvro, fromAvro: (a, p) => taskFromAvro(a as AvroTask, p) },
  TaskSnapshot: { toAvro: taskSnapshotToAvro, fromAvro: (a, p) => taskSnapshotFromAvro(a as AvroRecord, p) },
  AgentRegistration: { toAvro: agentRegistrationToAvro, fromAvro: (a, p) => agentRegistrationFromAvro(a as AvroRecord, p) },
  Message: { toAvro: messageToAvro, fromAvro: (a, p) => messageFromAvro(a as AvroMessage, p) },
  Part: { toAvro: partToAvro, fromAvro: (a, p) => partFromAvro(a as AvroPart, p) },
  Artifact: { toAvro: artifactToAvro, fromAvro: (a, p) => artifactFromAvro(a as AvroArtifact, p) },
  TaskStatus: { toAvro: taskStatusToAvro, fromAvro: (a, p) => taskStatusFromAvro(a as AvroTaskStatus, p) },
  TaskStatusUpdateEvent: {
    toAvro: statusUpdateToAvro,
    fromAvro: (a, p) => statusUpdateFromAvro(a as AvroTaskStatusUpdateEvent, p),
  },
  TaskArtifactUpdateEvent: {
    toAvro: artifactUpdateToAvro,
    fromAvro: (a, p) => artifactUpdateFromAvro(a as AvroTaskArtifactUpdateEvent, p),
  },
  StreamResponse: { toAvro: streamResponseToAvro, fromAvro: (a, p) => streamResponseFromAvro(a as AvroStreamResponse, p) },
  AgentCard: { toAvro: agentCardToAvro, fromAvro: (a, p) => agentCardFromAvro(a as AvroRecord, p) },
};

function wrap<T>(recordType: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isKamfError(err)) throw err;
    // a TypeError from a value that does not have the SDK shape (e.g. a missing nested object)
    throw new KamfError('CODEC_MAPPING_FAILED', `${recordType}: ${(err as Error).message}`, {
      cause: err,
      details: { path: recordType },
    });
  }
}

/** SDK value → avsc value of `schemas/<recordType>.avsc`. Throws CODEC_MAPPING_FAILED with the field path. */
export function toAvro<K extends RecordTypeName>(recordType: K, value: SdkTypes[K]): unknown {
  const m = MAPPINGS[recordType] as Mapping<SdkTypes[K]>;
  return wrap(recordType, () => m.toAvro(value, recordType));
}

/** avsc value of `schemas/<recordType>.avsc` → SDK value. Throws CODEC_MAPPING_FAILED with the field path. */
export function fromAvro<K extends RecordTypeName>(recordType: K, avroValue: unknown): SdkTypes[K] {
  const m = MAPPINGS[recordType] as Mapping<SdkTypes[K]>;
  return wrap(recordType, () => m.fromAvro(avroValue, recordType));
}
