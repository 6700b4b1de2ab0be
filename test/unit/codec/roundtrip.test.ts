import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECORD_TYPES, decodeOffline, encodeOffline, getRecordType, toAvro } from '../../../src/codec/index.js';
import { arbitraries } from './arbitraries.js';

const arbs = arbitraries();

describe('SDK → Avro → SDK round trip (property-based)', () => {
  for (const recordType of RECORD_TYPES) {
    it(`${recordType} comes back deep-equal`, { timeout: 120_000 }, () => {
      const type = getRecordType(recordType);
      fc.assert(
        fc.property(arbs.byRecordType[recordType] as fc.Arbitrary<never>, (value) => {
          const avroValue = toAvro(recordType, value);
          expect(type.isValid(avroValue)).toBe(true);
          const buf = encodeOffline(7, recordType, value);
          const back = decodeOffline(recordType, buf);
          expect(back.schemaId).toBe(7);
          expect(back.value).toStrictEqual(value);
        }),
        { numRuns: 150 },
      );
    });
  }
});
