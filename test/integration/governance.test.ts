import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/core/kafka.js';
import { isKamfError } from '../../src/core/errors.js';
import { checkSubject, listSubjects, registerSubject, targets } from '../../src/governance/index.js';
import { readSchemaFiles } from '../../src/governance/schema-files.js';
import { testConfig, testEndpoints } from '../support/infra.js';

const registry = () => createRegistry(testConfig(), testEndpoints());

const v1 = {
  type: 'record',
  name: 'Evolving',
  namespace: 'dev.kamf.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'int' },
  ],
};

describe('schema governance against the real registry', () => {
  it('registers a schema, then accepts an optional field with a default', async () => {
    const r = registry();
    const subject = `evo-${randomUUID()}-value`;
    const first = await registerSubject(r, subject, v1);
    expect(first.status).toBe('new');
    expect(first.id).toBeGreaterThan(0);
    const again = await registerSubject(r, subject, v1);
    expect(again).toMatchObject({ status: 'unchanged', id: first.id });

    const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    const second = await registerSubject(r, subject, v2);
    expect(second.status).toBe('compatible');
    expect(second.id).not.toBe(first.id);
    expect((await listSubjects(r)).find((s) => s.subject === subject)).toMatchObject({ version: 2, recordName: 'dev.kamf.test.Evolving' });
  });

  it('refuses removing a required field, with the field and the rule', async () => {
    const r = registry();
    const subject = `evo-${randomUUID()}-value`;
    await registerSubject(r, subject, v1);
    const removed = { ...v1, fields: [v1.fields[0]] };
    const err = await registerSubject(r, subject, removed).catch((e: unknown) => e);
    expect(isKamfError(err, 'SCHEMA_INCOMPATIBLE')).toBe(true);
    expect((err as Error).message).toContain('Evolving.count: field "count" was removed');
    expect((err as Error).message).toContain('[FORWARD]');
    // nothing was registered
    expect((await listSubjects(r)).find((s) => s.subject === subject)?.version).toBe(1);
  });

  it('refuses a type change, and the registry agrees under its BACKWARD rule', async () => {
    const r = registry();
    const subject = `evo-${randomUUID()}-value`;
    await registerSubject(r, subject, v1);
    const changed = { ...v1, fields: [v1.fields[0], { name: 'count', type: 'string' }] };
    const check = await checkSubject(r, subject, changed, 'BACKWARD');
    expect(check.status).toBe('incompatible');
    expect(check.problems).toEqual([{ path: 'Evolving.count', rule: 'BACKWARD', reason: 'type changed from int to string' }]);
    const err = await registerSubject(r, subject, changed).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/type changed from int to string/);
  });

  it('governs every schemas/*.avsc: fixed topics under <topic>-value, the rest by record name', async () => {
    const r = registry();
    const files = readSchemaFiles();
    const list = await targets(r, files);
    const subjects = list.map((t) => t.subject);
    expect(subjects).toContain('a2a.tasks-value');
    expect(subjects).toContain('agent.registry-value');
    expect(subjects).toContain('a2a.ingress-value');
    const governed = new Set(list.map((t) => t.file.fullName));
    for (const f of files) expect(governed.has(f.fullName), f.file).toBe(true);
  });
});
