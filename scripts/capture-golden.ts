/**
 * Writes the golden fixtures test/fixtures/golden/<RecordType>.bin (Confluent-framed Avro with a fixed
 * schema id per type, no registry involved) and <RecordType>.json (the expected SDK value, lossless
 * tagged JSON, plus ProtoJSON via X.toJSON where the SDK has one), and manifest.json (schema id → type).
 *
 *   npx tsx scripts/capture-golden.ts
 *
 * Re-capture only when a schema or a sample changes on purpose: the golden test exists to catch
 * accidental changes of the bytes on the wire.
 */
import { writeFileSync } from 'node:fs';
import * as sdk from '@a2a-js/sdk';
import { RECORD_TYPES, encodeOffline } from '../src/codec/index.js';
import { SAMPLES } from '../test/fixtures/golden/samples.js';
import { tag } from '../test/fixtures/golden/tagged-json.js';

const DIR = new URL('../test/fixtures/golden/', import.meta.url);
const schemaIds: Record<string, string> = {};

RECORD_TYPES.forEach((recordType, i) => {
  const schemaId = i + 1;
  schemaIds[String(schemaId)] = recordType;
  const value = SAMPLES[recordType];
  const bin = encodeOffline(schemaId, recordType, value as never);
  const fns = (sdk as unknown as Record<string, { toJSON?: (v: unknown) => unknown } | undefined>)[recordType];
  const json: Record<string, unknown> = { recordType, schemaId, value: tag(value) };
  if (typeof fns?.toJSON === 'function') json.protoJson = fns.toJSON(value);
  writeFileSync(new URL(`${recordType}.bin`, DIR), bin);
  writeFileSync(new URL(`${recordType}.json`, DIR), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`${recordType}: ${bin.length} bytes (schema id ${schemaId})`);
});
writeFileSync(new URL('manifest.json', DIR), `${JSON.stringify({ schemaIds }, null, 2)}\n`);
