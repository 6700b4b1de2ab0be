/**
 * The SDK's unary event loop without the work it does for push notifications nobody sends.
 *
 * `DefaultRequestHandler._processEvents` (@a2a-js/sdk 1.3.0) copies the whole task (`structuredClone`) and maps each
 * event to a stream response, loading the task from the store for task events, after every event of a unary call,
 * and only then asks whether a push sender is there. On the Kafka binding pushes are sent by the delivery stage that
 * follows the task topic, so the SDK's sender is a silent one or none. At 256 in flight that copy and lookup were
 * about a tenth of the agent's CPU. Upstream could make the same check before the copy; until then this module puts
 * the SDK's loop, with that check moved first, on each handler the binding builds.
 *
 * The loop is a private method of the SDK. It is replaced only while the SDK's own text is the one copied here (its
 * fingerprint below); any other version keeps the SDK's loop, which is correct and only slower, and the unit test of
 * this file fails so that the copy is reviewed with the upgrade.
 */
import { createHash } from 'node:crypto';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import { DefaultRequestHandler, type PushNotificationSender } from '@a2a-js/sdk/server';

/** sha256 of `DefaultRequestHandler.prototype._processEvents.toString()` in @a2a-js/sdk 1.3.0 (ESM build). */
export const COPIED_SDK_LOOP = '178d80326e736320f1d0e7ce36411be7fd1a64361479710a6c9a6df6bc079d42';

/** The sender the binding gives the SDK where the delivery stage sends pushes: the SDK's push calls are no-ops. */
export const DELIVERED_BY_KAFKA: PushNotificationSender = { send: async () => {} };

/** TASK_STATE_AUTH_REQUIRED: the SDK's AUTH_REQUIRED_STATE_LIST, which it does not export. */
const AUTH_REQUIRED = 8;

type SdkEvent = { kind: 'message' | 'task' | 'statusUpdate' | 'artifactUpdate'; data: { status?: { state?: number } } & Record<string, unknown> };
interface SdkResultManager {
  processEvent(e: SdkEvent): Promise<void>;
  getCurrentTask(): unknown;
  getFinalResult(): unknown;
}
interface SdkLoopOptions {
  firstResultResolver?: (r: unknown) => void;
  firstResultRejector?: (e: unknown) => void;
  authRequiredSnapshotResolver?: (t: unknown) => void;
}
/** The private members of DefaultRequestHandler the loop uses. */
interface SdkHandlerInternals {
  agentCard: { capabilities?: { pushNotifications?: boolean } };
  pushNotificationSender?: PushNotificationSender;
  _processEvents: (taskId: string, rm: SdkResultManager, queue: { events(): AsyncIterable<SdkEvent>; stop(): void }, context: unknown, options?: SdkLoopOptions) => Promise<void>;
  _mapEventToStreamResponse(event: SdkEvent, context: unknown): Promise<unknown>;
  _sendPushNotificationIfNeeded(context: unknown, response: unknown, task: unknown): Promise<void>;
  _handleProcessingError(error: unknown, rm: SdkResultManager, firstResultSent: boolean, taskId: string, rejector?: (e: unknown) => void): Promise<void>;
}

let sdkLoop: string | undefined;
/** Whether the installed SDK's loop is the one copied below. */
export function sdkLoopMatches(): boolean {
  sdkLoop ??= createHash('sha256').update(String((DefaultRequestHandler.prototype as unknown as SdkHandlerInternals)._processEvents)).digest('hex');
  return sdkLoop === COPIED_SDK_LOOP;
}

/** The SDK's loop, line for line, except that the push work runs only when a push will be sent. */
async function processEvents(this: SdkHandlerInternals, taskId: string, resultManager: SdkResultManager, eventQueue: { events(): AsyncIterable<SdkEvent>; stop(): void }, context: unknown, options?: SdkLoopOptions): Promise<void> {
  const pushes = !!this.agentCard.capabilities?.pushNotifications && !!this.pushNotificationSender && this.pushNotificationSender !== DELIVERED_BY_KAFKA;
  let firstResultSent = false;
  let authRequiredSnapshotSent = false;
  try {
    for await (const event of eventQueue.events()) {
      await resultManager.processEvent(event);
      if (pushes) {
        try {
          const streamResponse = await this._mapEventToStreamResponse(event, context);
          await this._sendPushNotificationIfNeeded(context, streamResponse, structuredClone(resultManager.getCurrentTask()));
        } catch (error) {
          console.error(`Error sending push notification: ${error}`);
        }
      }
      if (options?.firstResultResolver && !firstResultSent) {
        let firstResult: unknown;
        if (event.kind === 'message' || event.kind === 'task') {
          firstResult = event.data;
        } else {
          const finalResult = resultManager.getFinalResult();
          if (finalResult && typeof finalResult === 'object' && ('messageId' in finalResult || 'id' in finalResult)) firstResult = finalResult;
        }
        if (firstResult) {
          options.firstResultResolver(firstResult);
          firstResultSent = true;
        }
      }
      if (options?.authRequiredSnapshotResolver && !authRequiredSnapshotSent && event.kind === 'statusUpdate' && event.data.status && event.data.status.state === AUTH_REQUIRED) {
        const currentTask = resultManager.getCurrentTask();
        if (currentTask) {
          options.authRequiredSnapshotResolver(structuredClone(currentTask));
          authRequiredSnapshotSent = true;
          firstResultSent = true;
        }
      }
    }
    if (options?.firstResultResolver && options?.firstResultRejector && !firstResultSent) {
      options.firstResultRejector(new RequestMalformedError('Execution finished before a message or task was produced.'));
    }
  } catch (error) {
    console.error(`Event processing loop failed for task ${taskId}:`, error);
    await this._handleProcessingError(error, resultManager, firstResultSent, taskId, options?.firstResultRejector);
  } finally {
    eventQueue.stop();
  }
}

/** Puts the loop above on `handler` when the SDK's own is the copied one; returns whether it did. */
export function skipIdlePushWork(handler: DefaultRequestHandler): boolean {
  if (!sdkLoopMatches()) return false;
  (handler as unknown as SdkHandlerInternals)._processEvents = processEvents;
  return true;
}
