/**
 * The generators (and therefore the decoder, which the round-trip test compares against them) produce
 * exactly the shape the SDK's own ProtoJSON reader builds: `X.fromJSON(X.toJSON(v))` gives `v` back.
 */
import {
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
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraries } from './arbitraries.js';

const arbs = arbitraries({ large: false });

/** The one value the SDK's ProtoJSON cannot carry but KAMF can: a data part whose value is JSON null. */
function hasNullDataPart(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNullDataPart);
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const o = v as Record<string, unknown>;
    if (o.$case === 'data') return o.value === null;
    return Object.values(o).some(hasNullDataPart);
  }
  return false;
}

const SDK = {
  Task,
  Message,
  Part,
  Artifact,
  TaskStatus,
  TaskStatusUpdateEvent,
  TaskArtifactUpdateEvent,
  StreamResponse,
  AgentCard,
} as const;

describe('generated values are canonical SDK values', () => {
  for (const [name, fns] of Object.entries(SDK)) {
    it(`${name}: fromJSON(toJSON(v)) deep-equals v`, () => {
      const arb = arbs.byRecordType[name as keyof typeof SDK] as fc.Arbitrary<never>;
      fc.assert(
        fc.property(arb, (v) => {
          fc.pre(!hasNullDataPart(v));
          const f = fns as { toJSON(x: unknown): unknown; fromJSON(x: unknown): unknown };
          // through real JSON text, as on the wire
          expect(f.fromJSON(JSON.parse(JSON.stringify(f.toJSON(v))))).toStrictEqual(v);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('a data part holding JSON null survives KAMF but not ProtoJSON (documented)', () => {
    const p = { content: { $case: 'data' as const, value: null }, metadata: undefined, filename: '', mediaType: '' };
    expect(Part.fromJSON(Part.toJSON(p)).content).toBeUndefined();
  });
});
