/** Small builders for the SDK's event objects, so executors read as what they do. */
import { randomUUID } from 'node:crypto';
import type { Artifact, Message, Part, Task, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutionEvent, type RequestContext } from '@a2a-js/sdk/server';

export const TaskStates = {
  submitted: 1,
  working: 2,
  completed: 3,
  failed: 4,
  canceled: 5,
  inputRequired: 6,
  rejected: 7,
} as const satisfies Record<string, TaskState>;

export function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined };
}

export function textOf(message: Message | undefined): string {
  return (message?.parts ?? [])
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join('')
    .trim();
}

export function agentMessage(ctx: RequestContext, text: string): Message {
  return {
    messageId: randomUUID(),
    contextId: ctx.contextId,
    taskId: ctx.taskId,
    role: 2, // ROLE_AGENT
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The first event of a turn: the existing task, or a new one in SUBMITTED. */
export function taskEvent(ctx: RequestContext): AgentExecutionEvent {
  const task: Task = ctx.task ?? {
    id: ctx.taskId,
    contextId: ctx.contextId,
    status: { state: TaskStates.submitted, message: undefined, timestamp: new Date().toISOString() },
    artifacts: [],
    history: [ctx.userMessage],
    metadata: undefined,
  };
  return AgentEvent.task(task);
}

export function statusEvent(ctx: RequestContext, state: TaskState, text?: string): AgentExecutionEvent {
  return AgentEvent.statusUpdate({
    taskId: ctx.taskId,
    contextId: ctx.contextId,
    status: { state, message: text === undefined ? undefined : agentMessage(ctx, text), timestamp: new Date().toISOString() },
    metadata: undefined,
  });
}

export function artifactEvent(ctx: RequestContext, artifact: Partial<Artifact> & { artifactId: string; parts: Part[] }, chunk: { append?: boolean; lastChunk?: boolean } = {}): AgentExecutionEvent {
  return AgentEvent.artifactUpdate({
    taskId: ctx.taskId,
    contextId: ctx.contextId,
    artifact: { name: '', description: '', metadata: undefined, extensions: [], ...artifact },
    append: chunk.append ?? false,
    lastChunk: chunk.lastChunk ?? true,
    metadata: undefined,
  });
}
