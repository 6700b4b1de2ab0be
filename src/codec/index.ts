/** Public API of the codec: A2A (SDK types) ⇄ Avro in Confluent wire format. */
export { frame, parseFrame, MAGIC_BYTE, FRAME_HEADER_SIZE, type Frame } from './wire.js';
export { RECORD_TYPES, A2A_METHODS, AVRO_NAMESPACE, isRecordTypeName, type RecordTypeName } from './schema-defs.js';
export { loadSchemas, getSchema, getRecordType, recordTypeNameOf, type LoadedSchema } from './schemas.js';
export { toAvro, fromAvro, PARAMS_FIELD_OF, taskSnapshotAroundAvro, type SdkTypes } from './mapping/index.js';
export type {
  A2AMethod,
  A2ARequest,
  A2ARequestCall,
  A2AResponse,
  A2AResult,
  A2AError,
  TaskSnapshot,
  AgentRegistration,
  AgentStatus,
} from './mapping/envelopes.js';
export { isoToAvro, isoFromAvro } from './mapping/util.js';
export { AvroSerde, encodeBody, decodeBody, type AvroSerdeOptions, type DecodedRecord, type SchemaRegistryClient } from './serde.js';
export { A2ACodec, valueSubject, type DecodedA2ARecord } from './a2a-codec.js';

import { fromAvro, type SdkTypes } from './mapping/index.js';
import { toAvro } from './mapping/index.js';
import type { RecordTypeName } from './schema-defs.js';
import { getRecordType } from './schemas.js';
import { decodeBody, encodeFramedValue } from './serde.js';
import { parseFrame } from './wire.js';

/** SDK value → framed bytes with a given schema id, no registry (fixtures, tests, offline tools). */
export function encodeOffline<K extends RecordTypeName>(schemaId: number, recordType: K, value: SdkTypes[K]): Buffer {
  return encodeFramedValue(schemaId, recordType, toAvro(recordType, value));
}

/** Framed bytes written with our current schema → SDK value, no registry. */
export function decodeOffline<K extends RecordTypeName>(recordType: K, buf: Buffer): { schemaId: number; value: SdkTypes[K] } {
  const { schemaId, body } = parseFrame(buf);
  return { schemaId, value: fromAvro(recordType, decodeBody(getRecordType(recordType), body, undefined, schemaId)) };
}
