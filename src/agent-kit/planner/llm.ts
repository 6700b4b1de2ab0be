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
  if (!env.KAMF_LLM_MODEL) {
    throw new KamfError('CONFIG_INVALID', 'KAMF_LLM_URL is set but KAMF_LLM_MODEL is not: name the model to use', {
      hint: 'Set KAMF_LLM_MODEL to a model the endpoint serves, or unset KAMF_LLM_URL to use the deterministic planner.',
    });
  }
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
    const url = `${this.opts.url.replace(/\/$/, '')}/chat/completions`;
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    const details = { url, model: this.opts.model };
    let body: { choices?: Array<{ message?: ChatMessage }> };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
        body: JSON.stringify({ model: this.opts.model, messages, tools, tool_choice: 'auto', temperature: 0 }),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        const status = res.status;
        throw new KamfError('LLM_REQUEST_FAILED', `LLM endpoint ${this.opts.url} answered ${status}: ${(await res.text()).slice(0, 300)}`, {
          details: { ...details, status },
          hint:
            status === 401 || status === 403
              ? 'Check KAMF_LLM_API_KEY.'
              : status === 404
                ? 'Check KAMF_LLM_URL (the base URL, e.g. http://127.0.0.1:11434/v1) and KAMF_LLM_MODEL.'
                : undefined,
        });
      }
      body = (await res.json()) as typeof body;
    } catch (err) {
      // the caller's cancel stays a cancel; our own failures say what failed
      if (signal?.aborted || err instanceof KamfError) throw err;
      if ((err as Error)?.name === 'SyntaxError') {
        throw new KamfError('LLM_BAD_RESPONSE', `LLM endpoint ${this.opts.url} answered with something that is not JSON`, { cause: err, details });
      }
      const timedOut = (err as Error)?.name === 'TimeoutError';
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is its cause
      const reason = [err, (err as { cause?: unknown })?.cause]
        .filter((e): e is Error => e instanceof Error)
        .map((e) => e.message)
        .join(': ');
      throw new KamfError(
        'LLM_REQUEST_FAILED',
        timedOut ? `LLM endpoint ${this.opts.url} did not answer within ${timeoutMs} ms` : `LLM endpoint ${this.opts.url} failed: ${reason || String(err)}`,
        { cause: err, details: { ...details, timeoutMs }, hint: timedOut ? undefined : 'Check that the endpoint at KAMF_LLM_URL is running and reachable.' },
      );
    }
    const message = body.choices?.[0]?.message;
    if (!message) throw new KamfError('LLM_BAD_RESPONSE', `LLM endpoint ${this.opts.url} returned no message`, { details });
    return message;
  }

  async plan(input: PlanInput, signal?: AbortSignal): Promise<Plan> {
    const message = await this.chat([{ role: 'system', content: SYSTEM(input.lang) }, { role: 'user', content: input.text }], input, signal);
    const calls = (message.tool_calls ?? []).map((c) => {
      const tool = input.tools.find((t) => t.name === c.function.name);
      if (!tool) throw new KamfError('LLM_BAD_RESPONSE', `LLM asked for unknown tool ${c.function.name}`, { details: { tool: c.function.name, model: this.opts.model } });
      let args: Record<string, unknown> = {};
      try {
        args = c.function.arguments ? (JSON.parse(c.function.arguments) as Record<string, unknown>) : {};
      } catch {
        throw new KamfError('LLM_BAD_RESPONSE', `LLM gave invalid JSON arguments for ${c.function.name}: ${c.function.arguments}`, {
          details: { tool: c.function.name, model: this.opts.model },
        });
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
