/**
 * An agent's config file (`agents/<name>/config.json`): who it is and which MCP servers give it its tools.
 *   { "name": "data", "description": "...", "mcpServers": {
 *       "game-stats": { "command": "node", "args": ["--import", "tsx", "mcp-servers/game-stats/main.ts"] },
 *       "remote":     { "url": "http://127.0.0.1:3101/mcp" } } }
 * Relative paths in args resolve against the package root; `node` means the running Node binary.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KamfError } from '../core/errors.js';

const stdioServer = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
});
const httpServer = z.object({ url: z.string().url(), headers: z.record(z.string(), z.string()).optional() });

export const mcpServerSchema = z.union([stdioServer, httpServer]);
export type McpServerConfig = z.infer<typeof mcpServerSchema>;

export const agentConfigSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_" or "-" (it becomes part of topic names)'),
  description: z.string().default(''),
  version: z.string().default('0.1.0'),
  mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), mcpServerSchema).default({}),
  /** deterministic (default, no network) or llm (OpenAI-compatible endpoint from KAMF_LLM_*). */
  planner: z.enum(['deterministic', 'llm']).default('deterministic'),
  concurrency: z.number().int().positive().optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

export function parseAgentConfig(input: unknown, source = 'agent config'): AgentConfig {
  const r = agentConfigSchema.safeParse(input);
  if (!r.success) {
    throw new KamfError('CONFIG_INVALID', `Invalid ${source}:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  }
  return r.data;
}

export function readAgentConfig(file: string): AgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new KamfError('CONFIG_INVALID', `Cannot read agent config ${file}: ${(cause as Error).message}`, { cause });
  }
  return parseAgentConfig(raw, file);
}
