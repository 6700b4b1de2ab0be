/**
 * The Kafka relay: an SDK `A2ARequestHandler` whose every operation goes to the agent over the Kafka binding
 * (`KafkaClientRuntime`, the binding's client transport). The SDK's own JSON-RPC, HTTP+JSON and gRPC handlers sit
 * in front of it; one relay per agent and binding, so errors come out in that binding's terms (errors.ts).
 *
 * - An agent with no live instance fails at once (`unavailable`), never after a timeout.
 * - Unary calls are bounded by `requestTimeoutMs`; streams by the binding's silence timeout between two events.
 * - A caller that goes away aborts the call: the binding unregisters its reply sink at once, and the stream ends.
 */
import { randomUUID } from 'node:crypto';
import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { RequestOptions, Transport } from '@a2a-js/sdk/client';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type { KafkaClientRuntime } from '../binding/index.js';
import { endSpan, withSpan } from '../core/telemetry.js';
import type { AgentTable, ServedAgent } from './agents.js';
import { gatewayCard, type PublicEndpoints } from './card.js';
import { startEdgeSpan } from './edge-span.js';
import { edgeError, gatewayError, type EdgeStyle } from './errors.js';
import type { GatewayLimits } from './options.js';
import { scopeOf } from './scope.js';
import { serviceParameters } from './service-params.js';
import type { GatewayStats } from './stats.js';

export interface RelayDeps {
  runtime: KafkaClientRuntime;
  /** See GatewayOptions.reusedMessageIds. */
  reusedMessageIds: 'dedupe' | 'rerun';
  agents: AgentTable;
  endpoints: PublicEndpoints;
  limits: GatewayLimits;
  stats: GatewayStats;
}

export class KafkaRelay implements A2ARequestHandler {
  constructor(
    private readonly deps: RelayDeps,
    readonly agentName: string,
    readonly style: EdgeStyle,
    /** Served at the gateway's root (the default agent): its card names the root endpoints. */
    readonly atRoot: boolean,
  ) {}

  async getAgentCard(): Promise<AgentCard> {
    const agent = this.deps.agents.get(this.agentName);
    if (!agent) throw gatewayError('unavailable', this.style, `agent "${this.agentName}" is not in the registry`);
    return gatewayCard(agent.card, this.agentName, this.deps.endpoints, this.atRoot);
  }

  async getAuthenticatedExtendedAgentCard(params: GetExtendedAgentCardRequest, context: ServerCallContext): Promise<AgentCard> {
    const card = await this.unary('GetExtendedAgentCard', context, (t, o) => t.getExtendedAgentCard(params, o));
    return gatewayCard(card, this.agentName, this.deps.endpoints, this.atRoot);
  }
  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const ids = this.messageIds(params);
    const result = await this.unary('SendMessage', context, (t, o) => t.sendMessage(ids.params, o));
    return 'messageId' in result ? result : ids.restoreTask(result);
  }
  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    const ids = this.messageIds(params);
    for await (const event of this.stream('SendStreamingMessage', context, (t, o) => t.sendMessageStream(ids.params, o))) {
      yield event.payload?.$case === 'task' ? { payload: { $case: 'task', value: ids.restoreTask(event.payload.value) } } : event;
    }
  }
  resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    return this.stream('SubscribeToTask', context, (t, o) => t.resubscribeTask(params, o));
  }
  getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.unary('GetTask', context, (t, o) => t.getTask(params, o));
  }
  cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.unary('CancelTask', context, (t, o) => t.cancelTask(params, o));
  }
  listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.unary('ListTasks', context, (t, o) => t.listTasks(params, o));
  }
  createTaskPushNotificationConfig(params: TaskPushNotificationConfig, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.unary('CreateTaskPushNotificationConfig', context, (t, o) => t.createTaskPushNotificationConfig(params, o));
  }
  getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.unary('GetTaskPushNotificationConfig', context, (t, o) => t.getTaskPushNotificationConfig(params, o));
  }
  listTaskPushNotificationConfigs(params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.unary('ListTaskPushNotificationConfigs', context, (t, o) => t.listTaskPushNotificationConfig(params, o));
  }
  deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<void> {
    return this.unary('DeleteTaskPushNotificationConfig', context, (t, o) => t.deleteTaskPushNotificationConfig(params, o));
  }

  // ---- plumbing ----------------------------------------------------------------------------------------

  /** With reusedMessageIds 'rerun': a fresh messageId on the wire, the caller's own back in the task's history. */
  private messageIds(params: SendMessageRequest): { params: SendMessageRequest; restoreTask: (t: Task) => Task } {
    const original = params.message?.messageId;
    if (this.deps.reusedMessageIds !== 'rerun' || !original || !params.message) return { params, restoreTask: (t) => t };
    const wire = `${original}~${randomUUID().slice(0, 8)}`;
    return {
      params: { ...params, message: { ...params.message, messageId: wire } },
      restoreTask: (t) => ({ ...t, history: t.history.map((m) => (m.messageId === wire ? { ...m, messageId: original } : m)) }),
    };
  }

  /** The agent, if it has a live instance; else the binding's "unavailable" error at once. */
  private liveAgent(): ServedAgent {
    const agent = this.deps.agents.get(this.agentName);
    if (!agent?.live) {
      this.deps.stats.refused.unavailable++;
      throw gatewayError('unavailable', this.style, `agent "${this.agentName}" has no live instance in the registry`);
    }
    return agent;
  }

  private transport(agent: ServedAgent): Transport {
    return this.deps.runtime.transportTo(agent.topic, agent.card);
  }

  private async unary<T>(method: string, context: ServerCallContext, op: (t: Transport, o: RequestOptions) => Promise<T>): Promise<T> {
    const sp = serviceParameters(context);
    const span = startEdgeSpan({ method, agentName: this.agentName, topic: this.deps.agents.get(this.agentName)?.topic ?? '', style: this.style }, sp);
    let failed: unknown;
    try {
      return await withSpan(span, () => this.relayUnary(sp, context, op));
    } catch (err) {
      failed = err;
      throw err;
    } finally {
      endSpan(span, failed);
    }
  }

  private async relayUnary<T>(sp: Record<string, string>, context: ServerCallContext, op: (t: Transport, o: RequestOptions) => Promise<T>): Promise<T> {
    const agent = this.liveAgent();
    const { stats, limits } = this.deps;
    const timeout = AbortSignal.timeout(limits.requestTimeoutMs);
    const scope = scopeOf(context);
    const signal = scope ? AbortSignal.any([scope.signal, timeout]) : timeout;
    try {
      const result = await op(this.transport(agent), { signal, serviceParameters: sp });
      stats.relayed++;
      return result;
    } catch (err) {
      stats.failed++;
      if (timeout.aborted && !scope?.signal.aborted) {
        stats.refused.timedOut++;
        throw gatewayError('timeout', this.style, `${this.agentName} did not answer within ${limits.requestTimeoutMs} ms`);
      }
      throw edgeError(err, this.style);
    }
  }

  private async *stream(method: string, context: ServerCallContext, op: (t: Transport, o: RequestOptions) => AsyncGenerator<StreamResponse, void, undefined>): AsyncGenerator<StreamResponse, void, undefined> {
    const sp = serviceParameters(context);
    const span = startEdgeSpan({ method, agentName: this.agentName, topic: this.deps.agents.get(this.agentName)?.topic ?? '', style: this.style }, sp);
    let failed: unknown;
    try {
      const agent = this.liveAgent();
      const { stats } = this.deps;
      const scope = scopeOf(context);
      stats.openStreams++;
      try {
        const options: RequestOptions = { serviceParameters: sp, ...(scope ? { signal: scope.signal } : {}) };
        for await (const event of withSpan(span, () => op(this.transport(agent), options))) yield event;
        stats.relayed++;
      } catch (err) {
        if (scope?.signal.aborted) {
          // the caller went away: the binding has dropped the reply sink; there is nobody to tell
          stats.streamsAbandoned++;
          span?.setAttribute('kamf.gateway.abandoned', true);
          return;
        }
        stats.failed++;
        throw edgeError(err, this.style);
      } finally {
        stats.openStreams--;
      }
    } catch (err) {
      failed = err;
      throw err;
    } finally {
      endSpan(span, failed);
    }
  }
}
