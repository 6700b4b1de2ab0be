/**
 * Echo agent: the smallest useful A2A agent, for tests and benchmarks.
 *   "<text>"          -> completed task with an artifact echoing <text>
 *   "greet"           -> INPUT_REQUIRED ("Whom should I greet?"); the next message in the task completes it
 *   "greet <name>"    -> "Hello, <name>!"
 *   "chunks <n>"      -> one artifact streamed in n chunks (append / lastChunk)
 *   "fail"            -> FAILED
 *   "big <bytes>"     -> one artifact of <bytes> bytes of text in a single event (the binding streams it in chunks)
 * `executions` counts how often each user messageId was executed (the exactly-once checks read it).
 */
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { AgentEvent } from '@a2a-js/sdk/server';
import { TaskStates, agentMessage, artifactEvent, statusEvent, taskEvent, textOf, textPart } from '../../src/agent-kit/index.js';

export class EchoExecutor implements AgentExecutor {
  readonly executions = new Map<string, number>();

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const id = ctx.userMessage.messageId;
    this.executions.set(id, (this.executions.get(id) ?? 0) + 1);
    const text = textOf(ctx.userMessage);

    if (text === 'message') {
      // a direct Message reply, no task
      bus.publish(AgentEvent.message(agentMessage(ctx, 'just a message')));
      bus.finished();
      return;
    }
    bus.publish(taskEvent(ctx));
    const waitingForName = ctx.task?.status?.state === TaskStates.inputRequired;
    const greet = /^greet\b\s*(.*)$/i.exec(text);
    if (waitingForName || greet) {
      const name = waitingForName ? text : (greet?.[1] ?? '').trim();
      if (!name) {
        bus.publish(statusEvent(ctx, TaskStates.inputRequired, 'Whom should I greet?'));
      } else {
        bus.publish(artifactEvent(ctx, { artifactId: 'greeting', parts: [textPart(`Hello, ${name}!`)] }));
        bus.publish(statusEvent(ctx, TaskStates.completed, `Hello, ${name}!`));
      }
      bus.finished();
      return;
    }
    const chunks = /^chunks (\d+)$/.exec(text);
    if (chunks) {
      const n = Number(chunks[1]);
      bus.publish(statusEvent(ctx, TaskStates.working, 'streaming'));
      for (let i = 0; i < n; i++) {
        bus.publish(artifactEvent(ctx, { artifactId: 'chunks', parts: [textPart(`chunk-${i};`)] }, { append: i > 0, lastChunk: i === n - 1 }));
        await new Promise((r) => setTimeout(r, 5));
      }
      bus.publish(statusEvent(ctx, TaskStates.completed));
      bus.finished();
      return;
    }
    const big = /^big (\d+)$/.exec(text);
    if (big) {
      const n = Number(big[1]);
      const unit = '0123456789abcdef';
      bus.publish(artifactEvent(ctx, { artifactId: 'big', parts: [textPart(unit.repeat(Math.ceil(n / unit.length)).slice(0, n))] }, { append: false, lastChunk: true }));
      bus.publish(statusEvent(ctx, TaskStates.completed, `${n} bytes`));
      bus.finished();
      return;
    }
    if (text === 'fail') {
      bus.publish(statusEvent(ctx, TaskStates.failed, 'failed on purpose'));
      bus.finished();
      return;
    }
    bus.publish(artifactEvent(ctx, { artifactId: 'echo', parts: [textPart(text)] }));
    bus.publish(statusEvent(ctx, TaskStates.completed, text));
    bus.finished();
  }

  async cancelTask(): Promise<void> {
    // echo tasks finish at once; there is nothing to stop
  }
}
