/**
 * Golden bytes: each test/fixtures/golden/<RecordType>.bin is decoded with the avsc types alone (schema
 * id → record type from manifest.json, no registry), compared with the expected SDK value in the .json,
 * and re-encoded to the very same bytes. A failure here means the bytes on the wire changed: if that is
 * intended, re-capture with `npx tsx scripts/capture-golden.ts` and review the diff.
 */
import { readFileSync } from 'node:fs';
import * as sdk from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import {
  RECORD_TYPES,
  decodeBody,
  encodeOffline,
  fromAvro,
  getRecordType,
  isRecordTypeName,
  parseFrame,
} from '../../../src/codec/index.js';
import { SAMPLES } from '../../fixtures/golden/samples.js';
import { revive } from '../../fixtures/golden/tagged-json.js';

const DIR = new URL('../../fixtures/golden/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { schemaIds: Record<string, string> };
const typeById = new Map(Object.entries(manifest.schemaIds).map(([id, name]) => [Number(id), name]));

describe('golden fixtures', () => {
  it('cover every top-level record type', () => {
    expect([...typeById.values()].sort()).toEqual([...RECORD_TYPES].sort());
  });

  for (const recordType of RECORD_TYPES) {
    it(`${recordType}.bin decodes to ${recordType}.json and re-encodes to the same bytes`, () => {
      const bin = readFileSync(new URL(`${recordType}.bin`, DIR));
      const json = JSON.parse(readFileSync(new URL(`${recordType}.json`, DIR), 'utf8')) as {
        schemaId: number;
        value: unknown;
        protoJson?: unknown;
      };
      const { schemaId, body } = parseFrame(bin);
      expect(schemaId).toBe(json.schemaId);
      const name = typeById.get(schemaId);
      if (name === undefined || !isRecordTypeName(name)) throw new Error(`schema id ${schemaId} not in manifest`);
      expect(name).toBe(recordType);

      const decoded = fromAvro(name, decodeBody(getRecordType(name), body));
      expect(decoded).toStrictEqual(revive(json.value));
      expect(decoded).toStrictEqual(SAMPLES[recordType]);
      expect(encodeOffline(schemaId, name, decoded as never).equals(bin)).toBe(true);

      if (json.protoJson !== undefined) {
        const fns = (sdk as unknown as Record<string, { fromJSON(v: unknown): unknown }>)[recordType]!;
        expect(fns.fromJSON(json.protoJson)).toStrictEqual(decoded);
      }
    });
  }
});
