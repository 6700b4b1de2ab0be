/**
 * Agent Card skills derived from MCP tools. AgentSkill has no place for an input schema, so the schemas travel in
 * an A2A extension on the card (`capabilities.extensions`), keyed by skill id: planners and the MCP gateway read it.
 */
import type { AgentCard, AgentExtension, AgentSkill } from '@a2a-js/sdk';
import type { ToolSpec } from './tool-hub.js';

export const SKILL_SCHEMAS_EXTENSION = 'https://kamf.dev/a2a/ext/skill-input-schemas/v1';

export function skillFromTool(tool: ToolSpec): AgentSkill {
  return {
    id: tool.name,
    name: tool.title ?? tool.name.replaceAll('_', ' '),
    description: tool.description,
    tags: [tool.server, ...tool.name.split('_')],
    examples: tool.examples,
    inputModes: ['text/plain', 'application/json'],
    outputModes: ['text/plain', 'application/json'],
    securityRequirements: [],
  };
}

export function schemasExtension(tools: ToolSpec[]): AgentExtension {
  return {
    uri: SKILL_SCHEMAS_EXTENSION,
    description: 'JSON Schema of each skill input (the MCP tool input schema)',
    required: false,
    params: Object.fromEntries(tools.map((t) => [t.name, t.inputSchema])),
  };
}

/** The card with skills (and their schemas) replaced by those of `tools`. */
export function cardWithTools(card: AgentCard, tools: ToolSpec[]): AgentCard {
  const others = (card.capabilities?.extensions ?? []).filter((e) => e.uri !== SKILL_SCHEMAS_EXTENSION);
  return {
    ...card,
    skills: tools.map(skillFromTool),
    capabilities: {
      streaming: card.capabilities?.streaming ?? true,
      pushNotifications: card.capabilities?.pushNotifications ?? false,
      extendedAgentCard: card.capabilities?.extendedAgentCard ?? false,
      extensions: [...others, schemasExtension(tools)],
    },
  };
}

export function skillSchemas(card: AgentCard): Record<string, unknown> {
  const ext = card.capabilities?.extensions?.find((e) => e.uri === SKILL_SCHEMAS_EXTENSION);
  return (ext?.params as Record<string, unknown> | undefined) ?? {};
}
