/**
 * The gateway's other direction: an A2A agent that only speaks HTTP (JSON-RPC, HTTP+JSON or gRPC, whatever its card
 * offers) joins the mesh. Its card is fetched from its URL and announced in `agent.registry` with a Kafka interface
 * first; requests arriving on `agent.<name>.requests` are relayed to it with the SDK's own client, so Kafka callers,
 * the router and the coordinator reach it through the same client API as any KAMF agent.
 *
 * The agent keeps its own tasks: nothing of them is written to `a2a.tasks`, and a redelivered request is relayed
 * again (the HTTP agent sees it twice unless it deduplicates by messageId itself).
 */
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
import { ClientFactory, type Client, type RequestOptions } from '@a2a-js/sdk/client';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { connectMesh, kafkaAgentCard, serveAgent, type MeshConnection, type RunningAgent } from '../binding/index.js';
import type { KamfConfig } from '../core/config.js';
import { KamfError } from '../core/errors.js';
import { injectTraceHeaders } from '../core/telemetry.js';
import { serviceParameters } from './service-params.js';

/** Every operation of the SDK's request handler, answered by the HTTP agent through the SDK's client. */
export class HttpAgentRelay implements A2ARequestHandler {
  constructor(
    private readonly client: Client,
    private readonly card: AgentCard,
  ) {}

  private options(context: ServerCallContext): RequestOptions {
    // the caller's service parameters (A2A-Extensions, authorization...) travel on to the agent; the SDK's client
    // adds its own A2A-Version, so the caller's (already validated against this card) is not sent twice
    const { 'a2a-version': _version, ...params } = serviceParameters(context);
    // with tracing on, the HTTP call is a child of the span handling the Kafka request, not of the caller's send
    injectTraceHeaders(params);
    return { serviceParameters: params };
  }

  async getAgentCard(): Promise<AgentCard> {
    return this.card;
  }
  getAuthenticatedExtendedAgentCard(_params: GetExtendedAgentCardRequest, context: ServerCallContext): Promise<AgentCard> {
    return this.client.getAgentCard(this.options(context));
  }
  sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    return this.client.sendMessage(params, this.options(context));
  }
  sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    return this.client.sendMessageStream(params, this.options(context));
  }
  resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    return this.client.resubscribeTask(params, this.options(context));
  }
  getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.client.getTask(params, this.options(context));
  }
  cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.client.cancelTask(params, this.options(context));
  }
  listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.client.listTasks(params, this.options(context));
  }
  createTaskPushNotificationConfig(params: TaskPushNotificationConfig, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.client.createTaskPushNotificationConfig(params, this.options(context));
  }
  getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.client.getTaskPushNotificationConfig(params, this.options(context));
  }
  listTaskPushNotificationConfigs(params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.client.listTaskPushNotificationConfig(params, this.options(context));
  }
  deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<void> {
    return this.client.deleteTaskPushNotificationConfig(params, this.options(context));
  }
}

export interface BridgeHttpAgentOptions {
  config: KamfConfig;
  /** The agent's base URL (its card at `<url>/.well-known/agent-card.json`) or the card's own URL. */
  url: string;
  /** Its name on the mesh (topic `agent.<name>.requests`). Default: the card's name, made topic-safe. */
  name?: string;
  mesh?: MeshConnection;
  /** Requests relayed at once by this bridge instance. Default 32. */
  concurrency?: number;
  topics?: { tasks?: string; dlq?: string; registry?: string };
  heartbeatMs?: number;
}

/** A topic-safe agent name from a card's display name ("Weather Agent" → "weather-agent"). */
export const meshNameOf = (cardName: string): string =>
  cardName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100) || 'http-agent';

/** Fetches the HTTP agent's card, announces it on the mesh and relays its Kafka requests until `stop()`. */
export async function bridgeHttpAgent(opts: BridgeHttpAgentOptions): Promise<RunningAgent> {
  const cardUrl = opts.url.endsWith('.json') ? opts.url : undefined;
  let client: Client;
  try {
    client = cardUrl ? await new ClientFactory().createFromUrl(cardUrl, '') : await new ClientFactory().createFromUrl(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  } catch (cause) {
    throw new KamfError('CONFIG_INVALID', `cannot reach the A2A agent at ${opts.url}: ${(cause as Error).message}`, {
      cause,
      hint: 'give the agent base URL (its card is at <url>/.well-known/agent-card.json) or the card URL itself',
    });
  }
  const httpCard = await client.getAgentCard();
  const name = opts.name ?? meshNameOf(httpCard.name);
  const mesh = opts.mesh ?? connectMesh(opts.config, undefined, `kamf-bridge-${name}`);
  const kafka = kafkaAgentCard({ name, description: httpCard.description, skills: httpCard.skills, brokers: mesh.endpoints.brokers });
  const running = await serveAgent({
    config: opts.config,
    mesh,
    name,
    description: httpCard.description,
    skills: httpCard.skills,
    card: {
      ...httpCard,
      name,
      // the Kafka interface first (what KAMF clients prefer), then the agent's own HTTP interfaces
      supportedInterfaces: [...kafka.supportedInterfaces, ...httpCard.supportedInterfaces],
      // the agent's signatures covered its own card, not this one
      signatures: [],
    },
    requestHandler: new HttpAgentRelay(client, httpCard),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.topics ? { topics: opts.topics } : {}),
    ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
  });
  return running;
}
