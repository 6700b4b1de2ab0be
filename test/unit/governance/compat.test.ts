import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../src/governance/compat.js';

const v1 = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'state', type: { type: 'enum', name: 'State', symbols: ['NEW', 'DONE'] } },
    { name: 'meta', type: { type: 'record', name: 'Meta', fields: [{ name: 'at', type: 'long' }] } },
  ],
};
const withFields = (fields: object[]) => ({ ...v1, fields });

describe('schema compatibility explanations', () => {
  it('accepts an optional field with a default', () => {
    expect(checkCompatibility(withFields([...v1.fields, { name: 'note', type: ['null', 'string'], default: null }]), v1)).toEqual([]);
  });

  it('accepts a type promotion in the backward direction only', () => {
    const next = withFields([v1.fields[0]!, { name: 'qty', type: 'long' }, v1.fields[2]!, v1.fields[3]!]);
    expect(checkCompatibility(next, v1, 'BACKWARD')).toEqual([]);
    const forward = checkCompatibility(next, v1, 'FORWARD');
    expect(forward).toEqual([{ path: 'Order.qty', rule: 'FORWARD', reason: 'type changed from long to int' }]);
  });

  it('refuses a new required field and says why', () => {
    const p = checkCompatibility(withFields([...v1.fields, { name: 'owner', type: 'string' }]), v1);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: 'Order.owner', rule: 'BACKWARD' });
    expect(p[0]!.reason).toMatch(/added without a default/);
  });

  it('refuses removing a required field (old readers need it)', () => {
    const p = checkCompatibility(withFields(v1.fields.filter((f) => f.name !== 'qty')), v1);
    expect(p).toEqual([expect.objectContaining({ path: 'Order.qty', rule: 'FORWARD', reason: expect.stringMatching(/removed/) })]);
  });

  it('refuses a type change, naming the nested field', () => {
    const next = withFields([...v1.fields.slice(0, 3), { name: 'meta', type: { type: 'record', name: 'Meta', fields: [{ name: 'at', type: 'string' }] } }]);
    const p = checkCompatibility(next, v1);
    expect(p.map((x) => `${x.path} ${x.rule}`)).toEqual(['Order.meta.at BACKWARD', 'Order.meta.at FORWARD']);
    expect(p[0]!.reason).toBe('type changed from long to string');
  });

  it('refuses dropping an enum symbol that old data may hold', () => {
    const next = withFields([v1.fields[0]!, v1.fields[1]!, { name: 'state', type: { type: 'enum', name: 'State', symbols: ['NEW'] } }, v1.fields[3]!]);
    const p = checkCompatibility(next, v1, 'BACKWARD');
    expect(p[0]!.reason).toMatch(/enum symbols DONE/);
  });
});
