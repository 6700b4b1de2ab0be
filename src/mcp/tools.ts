/**
 * Shared pieces for KAMF's MCP tool servers: input checks that fail with a clear message, result builders
 * (short text for people + `structuredContent` for agents), and `registerDocumentedTool`, which puts a
 * tool's example questions where agents can read them.
 *
 * Error contract: a handler throws {@link ToolInputError} (a KamfError with code `MCP_TOOL_INPUT`) for bad input;
 * the wrapper turns it into an MCP tool error (`isError: true` with the message as text) so the client's planner
 * can read it and retry. Any other exception is reported the same way (prefixed "internal error") and never takes
 * the server down.
 */
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { ZodRawShape, z } from 'zod';
import { KamfError, isKamfError } from '../core/errors.js';
import { RACE_SPELLINGS, normalizeRace, type Race } from './races.js';
import { ATTR, SpanKind, contextFrom, endSpan, startSpan, tracingOn, withSpan } from '../core/telemetry.js';

/**
 * Bad tool input: becomes an `isError` result carrying this message. Not an error type of its own: a KamfError
 * whose code is always `MCP_TOOL_INPUT` (check it with `isKamfError(err, 'MCP_TOOL_INPUT')`).
 */
export class ToolInputError extends KamfError {
  constructor(message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super('MCP_TOOL_INPUT', message, options);
  }
}

/** The key under a tool's `_meta` that holds its natural-language example questions. */
export const EXAMPLES_META_KEY = 'examples';

/** A race argument in any accepted spelling; throws {@link ToolInputError} for anything else. */
export function parseRace(value: string, field = 'race'): Race {
  const race = normalizeRace(value);
  if (!race) throw new ToolInputError(`Unknown ${field} "${value}". Use ${RACE_SPELLINGS}.`, { details: { field, value } });
  return race;
}

export function parseOptionalRace(value: string | undefined, field = 'race'): Race | undefined {
  return value === undefined || value.trim() === '' ? undefined : parseRace(value, field);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A date bound as `YYYY-MM-DD` (a full ISO timestamp is accepted; only its date part counts).
 * Returns the canonical `YYYY-MM-DD`; throws {@link ToolInputError} for anything that is not a real date.
 */
export function parseDay(value: string, field: string): string {
  const m = DATE_RE.exec(value.trim());
  if (m) {
    const [, y, mo, d] = m;
    const day = `${y}-${mo}-${d}`;
    const t = Date.parse(`${day}T00:00:00Z`);
    if (!Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === day) return day;
  }
  throw new ToolInputError(`Invalid ${field} date "${value}". Use YYYY-MM-DD, e.g. 2025-05-05.`, { details: { field, value } });
}

export interface Period {
  /** Inclusive first day, YYYY-MM-DD. */
  from?: string;
  /** Inclusive last day, YYYY-MM-DD. */
  to?: string;
}

/** Validates an optional from/to pair (both inclusive days); from must not be after to. */
export function parsePeriod(from: string | undefined, to: string | undefined): Period {
  const period: Period = {};
  if (from !== undefined && from.trim() !== '') period.from = parseDay(from, 'from');
  if (to !== undefined && to.trim() !== '') period.to = parseDay(to, 'to');
  if (period.from && period.to && period.from > period.to) {
    throw new ToolInputError(`"from" (${period.from}) is after "to" (${period.to}); swap them or widen the period.`, { details: { ...period } });
  }
  return period;
}

/** Key for loose matching of names such as maps: lower case, no spaces, dashes or underscores. */
export const looseKey = (s: string) =>
  s
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

/** Finds `value` among `known` loosely ("ember-basin" finds "Ember Basin"); throws with the list otherwise. */
export function parseChoice(value: string, known: readonly string[], field: string): string {
  const key = looseKey(value);
  const hit = known.find((k) => looseKey(k) === key);
  if (hit === undefined) throw new ToolInputError(`Unknown ${field} "${value}". Known: ${known.join(', ')}.`, { details: { field, value } });
  return hit;
}

export function parseOptionalChoice(value: string | undefined, known: readonly string[], field: string): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : parseChoice(value, known, field);
}

/** A successful result: the text for humans and the same numbers as structured content. */
export function toolResult<T extends Record<string, unknown>>(text: string, structured: T): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** A tool error result (`isError: true`) with a message the caller can act on. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Win rate etc. as a ratio rounded to 4 decimals; null when there is no denominator. */
export function ratio(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 10_000) / 10_000;
}

/** `0.5712` → `"57.1%"`; null → `"n/a"`. */
export function pct(r: number | null): string {
  return r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`;
}

export interface DocumentedToolConfig<In extends ZodRawShape, Out extends ZodRawShape> {
  title: string;
  /** What the tool answers, in words a planner can match a question against. */
  description: string;
  /** 2-3 natural-language questions this tool answers; exposed as `_meta.examples` and in the description. */
  examples: string[];
  inputSchema: In;
  outputSchema: Out;
  annotations?: ToolAnnotations;
}

type Args<In extends ZodRawShape> = z.infer<z.ZodObject<In>>;

/**
 * `server.registerTool` with the conventions of KAMF's tool servers:
 * - examples go to `_meta.examples` (agents turn them into A2A skill examples; see {@link toolExamples})
 *   and are appended to the description for clients that only read descriptions;
 * - annotations default to read-only, idempotent, closed-world (these servers only query a dataset);
 * - bad input (`MCP_TOOL_INPUT`) and unexpected exceptions become `isError` results.
 */
export function registerDocumentedTool<In extends ZodRawShape, Out extends ZodRawShape>(
  server: McpServer,
  name: string,
  config: DocumentedToolConfig<In, Out>,
  handler: (args: Args<In>) => CallToolResult | Promise<CallToolResult>,
): RegisteredTool {
  const description = `${config.description}\nExample questions: ${config.examples.map((e) => `"${e}"`).join('; ')}`;
  const run = async (args: Args<In>): Promise<CallToolResult> => {
    try {
      return await handler(args);
    } catch (err) {
      if (isKamfError(err, 'MCP_TOOL_INPUT')) return toolError(err.message);
      return toolError(`internal error in ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  // the caller's trace context comes in the request's _meta (traceparent, tracestate)
  const wrapped = (args: Args<In>, extra?: { _meta?: Record<string, unknown> }): Promise<CallToolResult> => (tracingOn() ? tracedToolCall(name, extra?._meta, () => run(args)) : run(args));
  return server.registerTool(
    name,
    {
      title: config.title,
      description,
      inputSchema: config.inputSchema,
      outputSchema: config.outputSchema,
      annotations: {
        title: config.title,
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: false,
        ...config.annotations,
      },
      _meta: { [EXAMPLES_META_KEY]: [...config.examples] },
    },
    // The SDK's callback type is generic over the shape; our wrapper has the same runtime contract.
    wrapped as never,
  );
}

/** The example questions a listed tool declares under `_meta.examples` (empty when it declares none). */
export function toolExamples(tool: Pick<Tool, '_meta'>): string[] {
  const raw = tool._meta?.[EXAMPLES_META_KEY];
  return Array.isArray(raw) ? raw.filter((e): e is string => typeof e === 'string') : [];
}

async function tracedToolCall(name: string, meta: Record<string, unknown> | undefined, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  const span = startSpan(`execute_tool ${name}`, SpanKind.SERVER, { [ATTR.genAiOperation]: 'execute_tool', [ATTR.genAiToolName]: name, [ATTR.rpcSystem]: 'mcp', [ATTR.rpcMethod]: 'tools/call' }, contextFrom(meta));
  const result = await withSpan(span, run);
  endSpan(span, result.isError ? Object.assign(new Error('tool error'), { name: 'tool_error' }) : undefined);
  return result;
}
