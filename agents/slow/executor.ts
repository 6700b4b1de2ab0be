/**
 * Slow agent: works for a while in steps and can be canceled between steps, for cancel, scale-out and
 * backpressure tests. "work <ms>" works for <ms> milliseconds in 50 ms steps (default 2000).
 */
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { TaskStates, artifactEvent, statusEvent, taskEvent, textOf, textPart } from '../../src/agent-kit/index.js';
import { idempotencyKey } from '../../src/binding/index.js';

/**
 * An execution counter readable from outside the process: one line per execution start and per completion,
 * `start|done <message id> <idempotency key> <task id> <instance>`, written synchronously so a SIGKILL cannot lose a line written before it.
 */
export type ExecutionLog = (line: string) => void;

export class SlowExecutor implements AgentExecutor {
  private readonly canceled = new Set<string>();
  private readonly running = new Map<string, ExecutionEventBus>();
  readonly executions = new Map<string, number>();
  readonly completions = new Map<string, number>();

  constructor(private readonly log?: ExecutionLog) {}

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const id = ctx.userMessage.messageId;
    this.executions.set(id, (this.executions.get(id) ?? 0) + 1);
    const where = ctx.context.state.get('kamf.instance');
    this.log?.(`start ${id} ${idempotencyKey(ctx)} ${ctx.taskId} ${String(where)}`);
    const ms = Number(/work (\d+)/.exec(textOf(ctx.userMessage))?.[1] ?? 2000);
    bus.publish(taskEvent(ctx));
    bus.publish(statusEvent(ctx, TaskStates.working, `working for ${ms} ms`));
    this.running.set(ctx.taskId, bus);
    try {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (this.canceled.has(ctx.taskId)) {
          bus.publish(statusEvent(ctx, TaskStates.canceled, 'canceled'));
          bus.finished();
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, until - Date.now()))));
      }
      bus.publish(artifactEvent(ctx, { artifactId: 'result', parts: [textPart(`worked ${ms} ms`)], metadata: where ? { instance: String(where) } : undefined }));
      bus.publish(statusEvent(ctx, TaskStates.completed, `worked ${ms} ms`));
      this.completions.set(id, (this.completions.get(id) ?? 0) + 1);
      this.log?.(`done ${id} ${idempotencyKey(ctx)} ${ctx.taskId} ${String(where)}`);
      bus.finished();
    } finally {
      this.running.delete(ctx.taskId);
      this.canceled.delete(ctx.taskId);
    }
  }

  async cancelTask(taskId: string): Promise<void> {
    // the running loop sees the flag within one step and publishes CANCELED itself
    if (this.running.has(taskId)) this.canceled.add(taskId);
  }
}
