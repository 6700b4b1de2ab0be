/**
 * An AgentExecutor whose skills are MCP tools: the planner picks tools and arguments, the hub calls them, and the
 * answer goes back as an artifact with a text part (for people) and a data part per call (for agents that cite
 * numbers). A missing required argument becomes INPUT_REQUIRED; the pending call rides in the question's data
 * part, so the next turn (on any instance) can finish it.
 */
import type { Message, Part } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutionEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { TaskStates, agentMessage, artifactEvent, statusEvent, taskEvent, textOf, textPart } from './events.js';
import { langOf } from './planner/extract.js';
import type { PendingCall, Plan, Planner, PlanInput, ToolCall, ToolOutcome } from './planner/types.js';
import type { ToolHub } from './tool-hub.js';

export const PENDING_KIND = 'kamf.pending-call';
export const RESULT_KIND = 'kamf.tool-result';

export const dataPart = (value: unknown): Part => ({ content: { $case: 'data', value }, mediaType: 'application/json', filename: '', metadata: undefined });

/** Data parts of a message that carry `kind`. */
export function dataOf<T>(message: Message | undefined, kind: string): T[] {
  return (message?.parts ?? []).flatMap((p) => (p.content?.$case === 'data' && (p.content.value as { kind?: string })?.kind === kind ? [p.content.value as T] : []));
}

/** INPUT_REQUIRED with the question, and the pending call in a data part so any instance can finish it next turn. */
export function askEvent(ctx: RequestContext, question: string, pending: PendingCall): AgentExecutionEvent {
  const message = agentMessage(ctx, question);
  message.parts.push(dataPart({ kind: PENDING_KIND, ...pending }));
  return AgentEvent.statusUpdate({ taskId: ctx.taskId, contextId: ctx.contextId, status: { state: TaskStates.inputRequired, message, timestamp: new Date().toISOString() }, metadata: undefined });
}

export const FANOUT_KIND = 'kamf.fanout-calls';

/**
 * A caller may skip planning: a data part `{ tool, arguments }` names the call outright. A request fanned out to
 * several agents carries `{ kind: 'kamf.fanout-calls', byAgent: { <agent>: { tool, arguments } } }`: each agent
 * takes its own entry.
 */
function directCall(message: Message, agentName: string | undefined): ToolCall | undefined {
  for (const p of message.parts) {
    const v = p.content?.$case === 'data' ? (p.content.value as { tool?: unknown; arguments?: unknown; kind?: unknown; byAgent?: Record<string, { tool?: unknown; arguments?: unknown }> }) : undefined;
    if (v?.kind === FANOUT_KIND && agentName) {
      const mine = v.byAgent?.[agentName];
      if (mine && typeof mine.tool === 'string') return { tool: mine.tool, args: (mine.arguments as Record<string, unknown>) ?? {} };
    }
    if (v && typeof v.tool === 'string') return { tool: v.tool, args: (v.arguments as Record<string, unknown>) ?? {} };
  }
  return undefined;
}

export class ToolAgentExecutor implements AgentExecutor {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly hub: ToolHub,
    private readonly planner: Planner,
    /** The agent's routing name, to pick its entry of a fanned-out request. */
    private readonly agentName?: string,
  ) {}

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const abort = new AbortController();
    this.running.set(ctx.taskId, abort);
    try {
      await this.run(ctx, bus, abort.signal);
    } catch (err) {
      bus.publish(statusEvent(ctx, abort.signal.aborted ? TaskStates.canceled : TaskStates.failed, abort.signal.aborted ? 'canceled' : `failed: ${(err as Error).message}`));
    } finally {
      this.running.delete(ctx.taskId);
      bus.finished();
    }
  }

  private async run(ctx: RequestContext, bus: ExecutionEventBus, signal: AbortSignal): Promise<void> {
    const text = textOf(ctx.userMessage);
    const lang = langOf(text || textOf(ctx.task?.history?.[0]));
    bus.publish(taskEvent(ctx));
    const pending = ctx.task?.status?.state === TaskStates.inputRequired ? dataOf<PendingCall & { kind: string }>(ctx.task.status.message, PENDING_KIND)[0] : undefined;
    const tools = this.hub.tools();
    const input: PlanInput = { text, tools, lang, ...(pending ? { pending } : {}) };
    const direct = directCall(ctx.userMessage, this.agentName);
    const plan: Plan = direct ? { kind: 'call', calls: [direct], mode: 'sequential' } : await this.planner.plan(input, signal);

    switch (plan.kind) {
      case 'ask':
        bus.publish(askEvent(ctx, plan.question, plan.pending));
        return;
      case 'reply':
        bus.publish(statusEvent(ctx, TaskStates.completed, plan.text));
        return;
      case 'none': {
        const skills = tools.map((t) => t.name).join(', ');
        bus.publish(statusEvent(ctx, TaskStates.rejected, lang === 'ko' ? `이 에이전트가 답할 수 없는 질문입니다. 가능한 기능: ${skills}` : `I cannot answer that. I can: ${skills}`));
        return;
      }
      case 'call': {
        bus.publish(statusEvent(ctx, TaskStates.working, `calling ${plan.calls.map((c) => c.tool).join(', ')}`));
        const run = (c: ToolCall) => this.hub.call(c.tool, c.args, signal).then((r): ToolOutcome => ({ call: c, ...r }));
        const outcomes: ToolOutcome[] = [];
        if (plan.mode === 'parallel') outcomes.push(...(await Promise.all(plan.calls.map(run))));
        else for (const c of plan.calls) outcomes.push(await run(c));
        const failed = outcomes.find((o) => o.isError);
        if (failed) {
          bus.publish(statusEvent(ctx, TaskStates.failed, `${failed.call.tool}: ${failed.text}`));
          return;
        }
        const answer = (await this.planner.summarize?.(input, outcomes, signal)) ?? outcomes.map((o) => o.text).join('\n');
        bus.publish(
          artifactEvent(ctx, {
            artifactId: 'answer',
            name: 'answer',
            parts: [textPart(answer), ...outcomes.map((o) => dataPart({ kind: RESULT_KIND, tool: o.call.tool, args: o.call.args, result: o.data ?? null }))],
          }),
        );
        bus.publish(statusEvent(ctx, TaskStates.completed, answer));
        return;
      }
    }
  }

  async cancelTask(taskId: string): Promise<void> {
    this.running.get(taskId)?.abort();
  }
}
