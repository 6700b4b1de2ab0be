/**
 * Planner for any OpenAI-compatible chat-completions endpoint with tool calling (OpenAI, vLLM, Ollama,
 * llama.cpp server, LM Studio...). Enabled by KAMF_LLM_URL (base URL, e.g. http://127.0.0.1:11434/v1),
 * KAMF_LLM_MODEL and KAMF_LLM_API_KEY. The model picks tools and arguments; after the calls, it writes the answer.
 */
import { KamfError } from '../../core/errors.js';
import type { Plan, PlanInput, Planner, ToolOutcome } from './types.js';

export interface LlmPlannerOptions {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export function llmPlannerFromEnv(env: Record<string, string | undefined> = process.env): LlmPlanner | undefined {
  if (!env.KAMF_LLM_URL) return undefined;
  if (!env.KAMF_LLM_MODEL) throw new KamfError('CONFIG_INVALID', 'KAMF_LLM_URL is set but KAMF_LLM_MODEL is not: name the model to use');
  return new LlmPlanner({ url: env.KAMF_LLM_URL, model: env.KAMF_LLM_MODEL, ...(env.KAMF_LLM_API_KEY ? { apiKey: env.KAMF_LLM_API_KEY } : {}) });
}

const SYSTEM = (lang: 'en' | 'ko') =>
  `You answer questions about a real-time strategy game's balance using the tools given. Call tools to get facts; never invent numbers. ` +
  `Answer in ${lang === 'ko' ? 'Korean' : 'English'} and cite the numbers you used.`;

export class LlmPlanner implements Planner {
  readonly name = 'llm';
  constructor(private readonly opts: LlmPlannerOptions) {}

  private async chat(messages: ChatMessage[], input: PlanInput, signal?: AbortSignal): Promise<ChatMessage> {
    const tools = input.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description, parameters: t.inputSchema },
    }));
    const res = await fetch(`${this.opts.url.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.opts.model, messages, tools, tool_choice: 'auto', temperature: 0 }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs ?? 60_000)]) : AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
    });
    if (!res.ok) throw new KamfError('CONFIG_INVALID', `LLM endpoint ${this.opts.url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const body = (await res.json()) as { choices?: Array<{ message?: ChatMessage }> };
    const message = body.choices?.[0]?.message;
    if (!message) throw new KamfError('CONFIG_INVALID', `LLM endpoint ${this.opts.url} returned no message`);
    return message;
  }

  async plan(input: PlanInput, signal?: AbortSignal): Promise<Plan> {
    const message = await this.chat([{ role: 'system', content: SYSTEM(input.lang) }, { role: 'user', content: input.text }], input, signal);
    const calls = (message.tool_calls ?? []).map((c) => {
      const tool = input.tools.find((t) => t.name === c.function.name);
      if (!tool) throw new KamfError('CONFIG_INVALID', `LLM asked for unknown tool ${c.function.name}`);
      let args: Record<string, unknown> = {};
      try {
        args = c.function.arguments ? (JSON.parse(c.function.arguments) as Record<string, unknown>) : {};
      } catch {
        throw new KamfError('CONFIG_INVALID', `LLM gave invalid JSON arguments for ${c.function.name}: ${c.function.arguments}`);
      }
      return { tool: tool.id, args };
    });
    if (calls.length) return { kind: 'call', calls, mode: 'parallel' };
    return { kind: 'reply', text: message.content ?? '' };
  }

  async summarize(input: PlanInput, outcomes: ToolOutcome[], signal?: AbortSignal): Promise<string | undefined> {
    const ids = outcomes.map((_, i) => `call_${i}`);
    const messages: ChatMessage[] = [
      { role: 'system', content: SYSTEM(input.lang) },
      { role: 'user', content: input.text },
      {
        role: 'assistant',
        content: null,
        tool_calls: outcomes.map((o, i) => ({
          id: ids[i]!,
          type: 'function',
          function: { name: input.tools.find((t) => t.id === o.call.tool)?.name ?? o.call.tool, arguments: JSON.stringify(o.call.args) },
        })),
      },
      ...outcomes.map((o, i) => ({ role: 'tool' as const, tool_call_id: ids[i]!, content: o.data !== undefined ? JSON.stringify(o.data) : o.text })),
    ];
    const final = await this.chat(messages, input, signal);
    return final.content ?? undefined;
  }
}
