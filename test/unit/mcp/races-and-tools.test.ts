import { describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { normalizeRace, raceFromCode } from '../../../src/mcp/races.js';
import { isKamfError } from '../../../src/core/errors.js';
import {
  ToolInputError,
  parseChoice,
  parseDay,
  parsePeriod,
  parseRace,
  pct,
  ratio,
  registerDocumentedTool,
  toolExamples,
  toolResult,
} from '../../../src/mcp/tools.js';

describe('races', () => {
  it.each([
    ['Terran', 'Terran'],
    ['terran', 'Terran'],
    ['  TERRAN ', 'Terran'],
    ['T', 'Terran'],
    ['테란', 'Terran'],
    ['zerg', 'Zerg'],
    ['저그', 'Zerg'],
    ['z', 'Zerg'],
    ['PROTOSS', 'Protoss'],
    ['프로토스', 'Protoss'],
    ['토스', 'Protoss'],
  ])('%j → %s', (input, race) => expect(normalizeRace(input)).toBe(race));

  it.each(['', 'Orc', 'terranz', '테란족', 'X'])('%j is no race', (input) => expect(normalizeRace(input)).toBeUndefined());

  it('decodes dataset codes', () => {
    expect(raceFromCode('P')).toBe('Protoss');
    expect(raceFromCode('p')).toBeUndefined();
  });

  it('parseRace throws a ToolInputError naming the accepted spellings', () => {
    expect(() => parseRace('Orc')).toThrow(ToolInputError);
    expect(() => parseRace('Orc')).toThrow(/Unknown race "Orc".*테란/);
  });

  it('bad tool input is a KamfError with code MCP_TOOL_INPUT and the offending value', () => {
    const err = (() => {
      try {
        parseRace('Orc', 'vs_race');
      } catch (e) {
        return e;
      }
    })();
    expect(isKamfError(err, 'MCP_TOOL_INPUT')).toBe(true);
    expect(err).toMatchObject({ name: 'KamfError', details: { field: 'vs_race', value: 'Orc' } });
    expect(isKamfError(new ToolInputError('x'), 'MCP_TOOL_INPUT')).toBe(true);
  });
});

describe('input helpers', () => {
  it('parses days, accepting full ISO timestamps', () => {
    expect(parseDay('2025-05-05', 'from')).toBe('2025-05-05');
    expect(parseDay('2025-05-05T13:00:00Z', 'from')).toBe('2025-05-05');
    expect(parseDay(' 2025-05-05T13:00:00.000+09:00 ', 'from')).toBe('2025-05-05');
  });

  it.each(['2025-02-30', '2025-13-01', '05/05/2025', 'yesterday', '2025-5-5', ''])('rejects %j', (v) => {
    expect(() => parseDay(v, 'from')).toThrow(/Invalid from date/);
  });

  it('checks from <= to and ignores empty bounds', () => {
    expect(parsePeriod('2025-01-01', '2025-01-01')).toEqual({ from: '2025-01-01', to: '2025-01-01' });
    expect(parsePeriod(undefined, '')).toEqual({});
    expect(() => parsePeriod('2025-02-01', '2025-01-01')).toThrow(/"from" \(2025-02-01\) is after "to" \(2025-01-01\)/);
  });

  it('matches choices loosely and lists the known values otherwise', () => {
    expect(parseChoice('ember-basin', ['Frost Ridge', 'Ember Basin'], 'map')).toBe('Ember Basin');
    expect(parseChoice('EMBER BASIN', ['Frost Ridge', 'Ember Basin'], 'map')).toBe('Ember Basin');
    expect(() => parseChoice('Moon', ['Frost Ridge', 'Ember Basin'], 'map')).toThrow(
      'Unknown map "Moon". Known: Frost Ridge, Ember Basin.',
    );
  });

  it('formats ratios', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(1, 0)).toBeNull();
    expect(pct(0.5712)).toBe('57.1%');
    expect(pct(null)).toBe('n/a');
  });
});

describe('registerDocumentedTool', () => {
  async function connected() {
    const server = new McpServer({ name: 't', version: '0' });
    registerDocumentedTool(
      server,
      'echo_race',
      {
        title: 'Echo race',
        description: 'Normalizes a race.',
        examples: ['What is 테란?', 'Normalize zerg'],
        inputSchema: { race: z.string() },
        outputSchema: { race: z.string() },
      },
      ({ race }) => toolResult(race, { race: parseRace(race) }),
    );
    registerDocumentedTool(
      server,
      'boom',
      { title: 'Boom', description: 'Always fails.', examples: ['a', 'b'], inputSchema: {}, outputSchema: { x: z.number() } },
      () => {
        throw new Error('kaput');
      },
    );
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 'c', version: '0' });
    await client.connect(b);
    return client;
  }

  it('exposes examples in _meta and the description, with read-only annotations', async () => {
    const client = await connected();
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'echo_race')!;
    expect(toolExamples(tool)).toEqual(['What is 테란?', 'Normalize zerg']);
    expect(tool.description).toContain('Example questions: "What is 테란?"; "Normalize zerg"');
    expect(tool.title).toBe('Echo race');
    expect(tool.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true, openWorldHint: false });
    expect(toolExamples({})).toEqual([]);
  });

  it('turns ToolInputError and unexpected errors into isError results', async () => {
    const client = await connected();
    const ok = (await client.callTool({ name: 'echo_race', arguments: { race: '테란' } })) as CallToolResult;
    expect(ok.structuredContent).toEqual({ race: 'Terran' });
    const bad = (await client.callTool({ name: 'echo_race', arguments: { race: 'Orc' } })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(bad.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Unknown race "Orc"/) });
    const boom = (await client.callTool({ name: 'boom', arguments: {} })) as CallToolResult;
    expect(boom.isError).toBe(true);
    expect(boom.content[0]).toMatchObject({ text: 'internal error in boom: kaput' });
  });
});
