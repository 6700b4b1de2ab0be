/**
 * docs/kafka-binding.md is the normative description of the Kafka binding: it must name every header, the binding
 * URI and every operation the code knows. Names are matched in backticks (`GET_TASK`), so that a name that is only a
 * prefix of another one (GET_TASK in GET_TASK_PUSH_NOTIFICATION_CONFIG) does not count as documented.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { A2A_PROTOCOL_VERSION, HEADERS, KAFKA_BINDING_URI } from '../../../src/binding/protocol.js';
import { A2A_METHODS } from '../../../src/codec/schema-defs.js';
import { TOPICS } from '../../../src/core/topics.js';
import { pkgPath } from '../../../src/core/paths.js';

const doc = readFileSync(pkgPath('docs', 'kafka-binding.md'), 'utf8');
const code = (s: string) => `\`${s}\``;
/** Table rows of the doc whose first cell is the given code span. */
const rowsFor = (s: string) => doc.split('\n').filter((l) => l.startsWith(`| ${code(s)} |`));

describe('docs/kafka-binding.md matches the code', () => {
  it('states the binding URI and the A2A protocol version', () => {
    expect(doc).toContain(code(KAFKA_BINDING_URI));
    expect(doc).toContain(`"protocolBinding": "${KAFKA_BINDING_URI}"`);
    expect(doc).toContain(`"protocolVersion": "${A2A_PROTOCOL_VERSION}"`);
  });

  it('documents every header of HEADERS in the header table', () => {
    const missing = Object.entries(HEADERS).filter(([, name]) => rowsFor(name).length === 0);
    expect(missing.map(([key, name]) => `${key}: ${name}`), 'headers without a row in the header table').toEqual([]);
  });

  it('documents every A2A method in the operations table', () => {
    const missing = A2A_METHODS.filter((m) => !doc.split('\n').some((l) => l.startsWith('|') && l.includes(`| ${code(m)} |`)));
    expect(missing, 'methods without a row in the operations table').toEqual([]);
  });

  it('names every fixed topic', () => {
    for (const t of Object.values(TOPICS)) expect(doc, t.name).toContain(code(t.name));
  });
});
