import { randomUUID } from 'node:crypto';
import type { Message, TaskState } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, ServerCallContext, type AgentExecutor, type ExecutionEventBus, type PushNotificationSender, type RequestContext } from '@a2a-js/sdk/server';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EchoExecutor } from '../../../agents/echo/executor.js';
import { TaskStates, statusEvent, taskEvent } from '../../../src/agent-kit/index.js';
import { kafkaAgentCard } from '../../../src/binding/card.js';
import { COPIED_SDK_LOOP, DELIVERED_BY_KAFKA, sdkLoopMatches, skipIdlePushWork } from '../../../src/binding/server/unary-events.js';

// the binding's own card builder: the handler reads only its capabilities
const card = (pushNotifications: boolean) => kafkaAgentCard({ name: 'unit', description: 'unit', skills: [], pushNotifications, brokers: ['127.0.0.1:9092'] });

const message = (text: string, contextId: string): Message => ({
  messageId: `m-${text}`,
  contextId,
  taskId: '',
  role: 1,
  parts: [{ content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined }],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

const AUTH_REQUIRED = 8 as TaskState;

/** Executors for the loop's other branches: nothing published, a throw, AUTH_REQUIRED mid-task. */
class EdgeExecutor implements AgentExecutor {
  private readonly echo = new EchoExecutor();
  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const text = (ctx.userMessage.parts[0]?.content as { value?: string } | undefined)?.value;
    if (text === 'nothing') return void bus.finished();
    if (text === 'throw') throw new Error('executor failed');
    if (text === 'auth') {
      bus.publish(taskEvent(ctx));
      bus.publish(statusEvent(ctx, AUTH_REQUIRED, 'sign in'));
      bus.publish(statusEvent(ctx, TaskStates.completed, 'signed in'));
      return void bus.finished();
    }
    return this.echo.execute(ctx, bus);
  }
  cancelTask = async () => {};
}

/** A store that fails to save the task of one call: the loop's own error path. */
class FailingStore extends InMemoryTaskStore {
  override async save(task: Parameters<InMemoryTaskStore['save']>[0], context: ServerCallContext): Promise<void> {
    if (JSON.stringify(task.history).includes('store fails')) throw new Error('store down');
    return super.save(task, context);
  }
}

/** Ids and clock readings differ between two runs of the same call; everything else must not. */
function normalize(value: unknown): string {
  const ids = new Map<string, string>();
  return JSON.stringify(value)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => (ids.has(id) ? ids.get(id)! : (ids.set(id, `<id${ids.size}>`), ids.get(id)!)))
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
}

async function outcome(handler: DefaultRequestHandler, text: string, contextId: string, returnImmediately = false): Promise<string> {
  const configuration = { acceptedOutputModes: [], taskPushNotificationConfig: undefined, historyLength: undefined, returnImmediately };
  const result = await handler
    .sendMessage({ tenant: '', message: message(text, contextId), configuration, metadata: undefined }, new ServerCallContext())
    .then((r) => ({ ok: r }), (err: Error) => ({ error: `${err.name}: ${err.message}` }));
  // a blocking call may answer before the loop has drained the rest (AUTH_REQUIRED): let it settle
  await new Promise((r) => setTimeout(r, 20));
  return normalize(result);
}

const handlers = (push: PushNotificationSender | undefined, pushNotifications: boolean) => {
  const sdk = new DefaultRequestHandler(card(pushNotifications), new FailingStore(), new EdgeExecutor(), undefined, undefined, push);
  const ours = new DefaultRequestHandler(card(pushNotifications), new FailingStore(), new EdgeExecutor(), undefined, undefined, push);
  expect(skipIdlePushWork(ours)).toBe(true);
  return { sdk, ours };
};

describe("the SDK's unary event loop without idle push work", () => {
  // both loops log the failures the cases provoke on purpose
  beforeAll(() => void vi.spyOn(console, 'error').mockImplementation(() => {}));

  it('is the copy of the installed SDK loop (an SDK upgrade that changes it fails here: review unary-events.ts)', () => {
    expect(sdkLoopMatches(), `DefaultRequestHandler._processEvents no longer hashes to ${COPIED_SDK_LOOP}`).toBe(true);
  });

  it('answers every call exactly as the SDK loop does', async () => {
    const { sdk, ours } = handlers(undefined, false);
    const calls = ['hello', 'greet', 'greet Ada', 'message', 'fail', 'chunks 2', 'nothing', 'throw', 'auth', 'store fails'];
    for (const text of calls) {
      for (const returnImmediately of [false, true]) {
        const contextId = randomUUID();
        const [a, b] = [await outcome(sdk, text, contextId, returnImmediately), await outcome(ours, text, contextId, returnImmediately)];
        expect(b, `${text}${returnImmediately ? ' (returnImmediately)' : ''}`).toBe(a);
      }
    }
    // and the outcomes differ between calls, so the comparison can see a difference: no outcome comes twice
    const seen = await Promise.all(calls.map((t) => outcome(ours, t, randomUUID())));
    const repeated = calls.filter((_, i) => seen.indexOf(seen[i]!) !== i);
    expect(repeated).toEqual([]);
  });

  it('still sends every push when a sender is there, as many as the SDK loop', async () => {
    const sent = { sdk: 0, ours: 0 };
    for (const side of ['sdk', 'ours'] as const) {
      const counting: PushNotificationSender = { send: async () => void sent[side]++ };
      const h = handlers(counting, true)[side];
      await outcome(h, 'greet Ada', randomUUID());
    }
    expect(sent.ours).toBeGreaterThan(0);
    expect(sent.ours).toBe(sent.sdk);
  });

  it('does no push work where the binding delivers pushes from the task topic, or where the card offers none', async () => {
    // (a card offering pushes without a sender gets the SDK's own HTTP sender, which does send)
    for (const [push, on] of [[DELIVERED_BY_KAFKA, true], [undefined, false], [{ send: async () => {} }, false]] as const) {
      const { ours } = handlers(push, on);
      let mapped = 0;
      const internals = ours as unknown as { _mapEventToStreamResponse: (...a: unknown[]) => Promise<unknown> };
      const map = internals._mapEventToStreamResponse.bind(ours);
      internals._mapEventToStreamResponse = (...a) => (mapped++, map(...a));
      expect(await outcome(ours, 'hello', randomUUID())).toContain('"ok"');
      expect(mapped).toBe(0);
    }
  });
});
