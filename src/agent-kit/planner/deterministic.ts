/**
 * The default planner: no network, same answer every time. Scores each tool by how many of the question's words
 * (expanded through the bilingual lexicon) appear in the tool's name, description and examples, extracts
 * arguments from the text by schema, and asks for the first missing required argument.
 */
import { askFor, extractAnswer, extractArgs } from './extract.js';
import { tokens } from './lexicon.js';
import type { Plan, PlanInput, PlannableTool, Planner } from './types.js';

export function scoreTool(text: string, tool: PlannableTool): number {
  const q = new Set(tokens(text));
  const hay = tokens([tool.name.replaceAll('_', ' '), tool.description, ...tool.examples].join(' '));
  const vocab = new Set(hay);
  let score = 0;
  for (const t of q) if (vocab.has(t)) score += t.length > 3 ? 2 : 1;
  // the tool's own name words weigh most: "win rate" → win_rate
  for (const part of tool.name.split('_')) if (q.has(part)) score += 3;
  for (const ex of tool.examples) if (ex.toLowerCase() === text.toLowerCase().trim()) score += 10;
  return score;
}

export function rankTools(text: string, tools: PlannableTool[]): Array<{ tool: PlannableTool; score: number }> {
  return tools.map((tool) => ({ tool, score: scoreTool(text, tool) })).sort((a, b) => b.score - a.score || a.tool.id.localeCompare(b.tool.id));
}

export class DeterministicPlanner implements Planner {
  readonly name = 'deterministic';

  async plan(input: PlanInput): Promise<Plan> {
    if (input.pending) {
      // this turn answers our question: fill what was missing, keep what we had
      const tool = input.tools.find((t) => t.id === input.pending!.tool || t.name === input.pending!.tool);
      if (tool) {
        const props = tool.inputSchema.properties ?? {};
        const args = { ...input.pending.args, ...extractArgs(input.text, props) };
        for (const key of input.pending.missing) {
          if (args[key] === undefined) {
            const v = extractAnswer(input.text, key, props[key]);
            if (v !== undefined) args[key] = v;
          }
        }
        return this.callOrAsk(tool, args, input.lang);
      }
    }
    const [best] = rankTools(input.text, input.tools);
    if (!best || best.score === 0) return { kind: 'none', reason: 'no tool matches the question' };
    const props = best.tool.inputSchema.properties ?? {};
    return this.callOrAsk(best.tool, extractArgs(input.text, props), input.lang);
  }

  private callOrAsk(tool: PlannableTool, args: Record<string, unknown>, lang: 'en' | 'ko'): Plan {
    const props = tool.inputSchema.properties ?? {};
    const missing = (tool.inputSchema.required ?? []).filter((k) => args[k] === undefined);
    if (missing.length) return { kind: 'ask', question: askFor(missing, props, lang), pending: { tool: tool.id, args, missing } };
    return { kind: 'call', calls: [{ tool: tool.id, args }], mode: 'sequential' };
  }
}
