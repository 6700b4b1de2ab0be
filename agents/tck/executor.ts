/**
 * The TCK agent: implements the scenarios of the official A2A TCK (a2aproject/a2a-tck, `scenarios/*.feature`), which
 * select the agent's behaviour by the prefix of the user message's messageId (longest prefix first). Anything else
 * completes with "Unhandled messageId prefix: <id>", as the kit's generated agents do.
 */
import type { Part, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { TaskStates, agentMessage, artifactEvent, statusEvent, taskEvent, textPart } from '../../src/agent-kit/index.js';

/** The kit's streaming timeout; the resubscribe scenario works for twice that. */
export const STREAMING_TIMEOUT_MS = 2000;

const filePart = (): Part => ({ content: { $case: 'raw', value: Buffer.from('tck') }, mediaType: 'text/plain', filename: 'output.txt', metadata: undefined });
const fileUrlPart = (): Part => ({ content: { $case: 'url', value: 'https://example.com/output.txt' }, mediaType: 'text/plain', filename: 'output.txt', metadata: undefined });
const dataPart = (): Part => ({ content: { $case: 'data', value: { key: 'value', count: 42 } }, mediaType: 'application/json', filename: '', metadata: undefined });

type Step =
  | { status: TaskState; text?: string }
  | { artifact: Part; append?: boolean; lastChunk?: boolean }
  | { message: string }
  | { waitMs: number };

const streamed = (text: string): Step[] => [{ status: TaskStates.working }, { artifact: textPart(text) }, { status: TaskStates.completed }];

/** Scenario steps by messageId prefix (core_operations.feature, streaming.feature). */
export const SCENARIOS: Record<string, Step[]> = {
  'tck-complete-task': [{ status: TaskStates.completed, text: 'Hello from TCK' }],
  'tck-artifact-text': [{ artifact: textPart('Generated text content') }, { status: TaskStates.completed }],
  'tck-artifact-file': [{ artifact: filePart() }, { status: TaskStates.completed }],
  'tck-artifact-file-url': [{ artifact: fileUrlPart() }, { status: TaskStates.completed }],
  'tck-artifact-data': [{ artifact: dataPart() }, { status: TaskStates.completed }],
  'tck-message-response': [{ message: 'Direct message response' }],
  'tck-input-required': [{ status: TaskStates.inputRequired }],
  'tck-reject-task': [{ status: TaskStates.rejected, text: 'rejected' }],
  'tck-stream-001': streamed('Stream hello from TCK'),
  'tck-stream-002': [{ status: TaskStates.completed }],
  'tck-stream-003': streamed('Stream task lifecycle'),
  'tck-stream-ordering-001': streamed('Ordered output'),
  'tck-stream-artifact-text': streamed('Streamed text content'),
  'tck-stream-artifact-file': [{ status: TaskStates.working }, { artifact: filePart() }, { status: TaskStates.completed }],
  'tck-stream-artifact-chunked': [
    { status: TaskStates.working },
    { artifact: textPart('chunk-1 '), append: false, lastChunk: false },
    { artifact: textPart('chunk-2'), append: true, lastChunk: true },
    { status: TaskStates.completed },
  ],
  'test-resubscribe-message-id': [{ status: TaskStates.working }, { waitMs: 2 * STREAMING_TIMEOUT_MS }, { status: TaskStates.completed }],
};
const PREFIXES = Object.keys(SCENARIOS).sort((a, b) => b.length - a.length);

export function scenarioOf(messageId: string): Step[] | undefined {
  const prefix = PREFIXES.find((p) => messageId.startsWith(p));
  return prefix ? SCENARIOS[prefix] : undefined;
}

export class TckExecutor implements AgentExecutor {
  private readonly canceled = new Set<string>();
  private readonly running = new Map<string, RequestContext>();
  /** Context id of every task this instance worked on: a cancel may come after the turn ended (INPUT_REQUIRED). */
  private readonly contexts = new Map<string, string>();

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const messageId = ctx.userMessage.messageId;
    const steps = scenarioOf(messageId) ?? [{ status: TaskStates.completed, text: `Unhandled messageId prefix: ${messageId}` }];
    if (steps.length === 1 && 'message' in steps[0]!) {
      bus.publish(AgentEvent.message(agentMessage(ctx, steps[0].message)));
      bus.finished();
      return;
    }
    bus.publish(taskEvent(ctx));
    this.running.set(ctx.taskId, ctx);
    this.contexts.set(ctx.taskId, ctx.contextId);
    try {
      let artifact = 0;
      for (const step of steps) {
        if (this.canceled.has(ctx.taskId)) return;
        if ('status' in step) bus.publish(statusEvent(ctx, step.status, step.text));
        else if ('artifact' in step) {
          // chunks of one artifact share its id; separate artifacts get their own
          const id = step.append ? `artifact-${artifact}` : `artifact-${++artifact}`;
          bus.publish(artifactEvent(ctx, { artifactId: id, parts: [step.artifact] }, { append: step.append ?? false, lastChunk: step.lastChunk ?? true }));
        } else if ('waitMs' in step) await this.sleep(ctx.taskId, step.waitMs);
      }
    } finally {
      this.running.delete(ctx.taskId);
      if (!this.canceled.delete(ctx.taskId)) bus.finished();
    }
  }

  /**
   * The SDK waits for the executor to publish CANCELED whenever the task still has an event bus, also after its turn
   * ended in INPUT_REQUIRED: so publish it whether the task is running or not.
   */
  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const ctx = this.running.get(taskId);
    if (ctx) this.canceled.add(taskId);
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: ctx?.contextId ?? this.contexts.get(taskId) ?? '',
        status: { state: TaskStates.canceled, message: undefined, timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
    bus.finished();
  }

  /** Sleeps, waking early when the task is canceled. */
  private async sleep(taskId: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.canceled.has(taskId)) await new Promise((r) => setTimeout(r, Math.min(50, until - Date.now())));
  }
}
