/**
 * KAMF's own records: the request / reply envelopes of the Kafka binding, the task snapshot on
 * `a2a.tasks` and the agent registration on `agent.registry`, with their TypeScript types.
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
  SendMessageRequest,
  SendMessageResponse,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { A2A_METHODS } from '../schema-defs.js';
import { agentCardFromAvro, agentCardToAvro } from './agent-card.js';
import {
  type AvroSendMessageResponse,
  type AvroStreamResponse,
  type AvroTask,
  sendMessageResponseFromAvro,
  sendMessageResponseToAvro,
  streamResponseFromAvro,
  streamResponseToAvro,
  taskFromAvro,
  taskToAvro,
} from './core.js';
import {
  cancelTaskRequestFromAvro,
  cancelTaskRequestToAvro,
  getExtendedAgentCardRequestFromAvro,
  getExtendedAgentCardRequestToAvro,
  getTaskRequestFromAvro,
  getTaskRequestToAvro,
  listPushConfigsRequestFromAvro,
  listPushConfigsRequestToAvro,
  listPushConfigsResponseFromAvro,
  listPushConfigsResponseToAvro,
  listTasksRequestFromAvro,
  listTasksRequestToAvro,
  listTasksResponseFromAvro,
  listTasksResponseToAvro,
  pushConfigFromAvro,
  pushConfigRefFromAvro,
  pushConfigRefToAvro,
  pushConfigToAvro,
  sendMessageRequestFromAvro,
  sendMessageRequestToAvro,
  subscribeToTaskRequestFromAvro,
  subscribeToTaskRequestToAvro,
} from './requests.js';
import { type AvroRecord, jsonToText, long, mappingError, oneofField, textToJson } from './util.js';

type R = AvroRecord;

export type A2AMethod = (typeof A2A_METHODS)[number];

/** The params of each A2A operation, discriminated by `method`. */
export type A2ARequestCall =
  | { method: 'SEND_MESSAGE'; params: SendMessageRequest }
  | { method: 'SEND_STREAMING_MESSAGE'; params: SendMessageRequest }
  | { method: 'GET_TASK'; params: GetTaskRequest }
  | { method: 'LIST_TASKS'; params: ListTasksRequest }
  | { method: 'CANCEL_TASK'; params: CancelTaskRequest }
  | { method: 'SUBSCRIBE_TO_TASK'; params: SubscribeToTaskRequest }
  | { method: 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG'; params: TaskPushNotificationConfig }
  | { method: 'GET_TASK_PUSH_NOTIFICATION_CONFIG'; params: GetTaskPushNotificationConfigRequest }
  | { method: 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS'; params: ListTaskPushNotificationConfigsRequest }
  | { method: 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG'; params: DeleteTaskPushNotificationConfigRequest }
  | { method: 'GET_EXTENDED_AGENT_CARD'; params: GetExtendedAgentCardRequest };

/** The request envelope (`A2ARequest.avsc`). `tenant` is omitted when absent. */
export type A2ARequest = A2ARequestCall & { requestId: string; tenant?: string };

/** A JSON-RPC style error (A2A error mapping: see `@a2a-js/sdk/errors`). `data` is any JSON value. */
export interface A2AError {
  code: number;
  message: string;
  data?: unknown;
}

/** The result of one reply record; `empty` = the operation returned nothing (DeleteTaskPushNotificationConfig). */
export type A2AResult =
  | { $case: 'sendMessage'; value: SendMessageResponse }
  | { $case: 'streamResponse'; value: StreamResponse }
  | { $case: 'task'; value: Task }
  | { $case: 'listTasks'; value: ListTasksResponse }
  | { $case: 'pushConfig'; value: TaskPushNotificationConfig }
  | { $case: 'listPushConfigs'; value: ListTaskPushNotificationConfigsResponse }
  | { $case: 'agentCard'; value: AgentCard }
  | { $case: 'empty' };

/** The reply envelope (`A2AResponse.avsc`). `error` and `result` are omitted when absent. */
export interface A2AResponse {
  requestId: string;
  method: A2AMethod;
  /** 0-based order of this record among the replies to `requestId`. */
  sequence: number;
  /** True on the last record for `requestId`. */
  endOfStream: boolean;
  error?: A2AError;
  result?: A2AResult;
}

/** Value of the compacted `a2a.tasks` topic: the task plus the scope the TaskStore keyed it by. */
export interface TaskSnapshot {
  task: Task;
  /** ServerCallContext.tenant; omitted when absent. */
  tenant?: string;
  /** ServerCallContext.user name; omitted when absent. */
  owner?: string;
  /** Epoch millis when the snapshot was written. */
  savedAt: number;
}

export type AgentStatus = 'UP' | 'DRAINING';

/** Value of the compacted `agent.registry` topic (key = agent name). Times are epoch millis. */
export interface AgentRegistration {
  agentName: string;
  card: AgentCard;
  instanceId: string;
  startedAt: number;
  heartbeatAt: number;
  ttlMs: number;
  status: AgentStatus;
}

// ---- A2ARequest ------------------------------------------------------------------------------------------

const PARAM_FIELDS = [
  'sendMessage',
  'getTask',
  'listTasks',
  'cancelTask',
  'subscribeToTask',
  'createPushConfig',
  'getPushConfig',
  'listPushConfigs',
  'deletePushConfig',
  'getExtendedAgentCard',
] as const;
type ParamField = (typeof PARAM_FIELDS)[number];

/** The Avro field that carries the params of each method. */
export const PARAMS_FIELD_OF: Readonly<Record<A2AMethod, ParamField>> = {
  SEND_MESSAGE: 'sendMessage',
  SEND_STREAMING_MESSAGE: 'sendMessage',
  GET_TASK: 'getTask',
  LIST_TASKS: 'listTasks',
  CANCEL_TASK: 'cancelTask',
  SUBSCRIBE_TO_TASK: 'subscribeToTask',
  CREATE_TASK_PUSH_NOTIFICATION_CONFIG: 'createPushConfig',
  GET_TASK_PUSH_NOTIFICATION_CONFIG: 'getPushConfig',
  LIST_TASK_PUSH_NOTIFICATION_CONFIGS: 'listPushConfigs',
  DELETE_TASK_PUSH_NOTIFICATION_CONFIG: 'deletePushConfig',
  GET_EXTENDED_AGENT_CARD: 'getExtendedAgentCard',
};

export function a2aRequestToAvro(x: A2ARequest, path = 'A2ARequest'): R {
  const out: R = { requestId: x.requestId ?? '', method: x.method, tenant: x.tenant ?? null };
  for (const f of PARAM_FIELDS) out[f] = null;
  const p = `${path}.params`;
  if (x.params === undefined || x.params === null) throw mappingError(p, `params are required for ${String(x.method)}`);
  switch (x.method) {
    case 'SEND_MESSAGE':
    case 'SEND_STREAMING_MESSAGE':
      out.sendMessage = sendMessageRequestToAvro(x.params, p);
      break;
    case 'GET_TASK':
      out.getTask = getTaskRequestToAvro(x.params);
      break;
    case 'LIST_TASKS':
      out.listTasks = listTasksRequestToAvro(x.params, p);
      break;
    case 'CANCEL_TASK':
      out.cancelTask = cancelTaskRequestToAvro(x.params, p);
      break;
    case 'SUBSCRIBE_TO_TASK':
      out.subscribeToTask = subscribeToTaskRequestToAvro(x.params);
      break;
    case 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG':
      out.createPushConfig = pushConfigToAvro(x.params);
      break;
    case 'GET_TASK_PUSH_NOTIFICATION_CONFIG':
      out.getPushConfig = pushConfigRefToAvro(x.params);
      break;
    case 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS':
      out.listPushConfigs = listPushConfigsRequestToAvro(x.params);
      break;
    case 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG':
      out.deletePushConfig = pushConfigRefToAvro(x.params);
      break;
    case 'GET_EXTENDED_AGENT_CARD':
      out.getExtendedAgentCard = getExtendedAgentCardRequestToAvro(x.params);
      break;
    default:
      throw mappingError(`${path}.method`, `unknown method ${String((x as { method: unknown }).method)}`);
  }
  return out;
}

export function a2aRequestFromAvro(a: R, path = 'A2ARequest'): A2ARequest {
  const method = a.method as A2AMethod;
  const expected = PARAMS_FIELD_OF[method];
  if (expected === undefined) throw mappingError(`${path}.method`, `unknown method ${String(method)}`);
  const set = PARAM_FIELDS.filter((f) => a[f] !== null && a[f] !== undefined);
  if (set.length !== 1 || set[0] !== expected) {
    throw mappingError(`${path}.${expected}`, `method ${method} needs exactly the ${expected} params field set, found [${set.join(', ')}]`);
  }
  const v = a[expected] as R;
  const p = `${path}.params`;
  const head: { requestId: string; tenant?: string } = { requestId: a.requestId as string };
  if (a.tenant !== null && a.tenant !== undefined) head.tenant = a.tenant as string;
  const call = ((): A2ARequestCall => {
    switch (method) {
      case 'SEND_MESSAGE':
      case 'SEND_STREAMING_MESSAGE':
        return { method, params: sendMessageRequestFromAvro(v, p) };
      case 'GET_TASK':
        return { method, params: getTaskRequestFromAvro(v) };
      case 'LIST_TASKS':
        return { method, params: listTasksRequestFromAvro(v, p) };
      case 'CANCEL_TASK':
        return { method, params: cancelTaskRequestFromAvro(v, p) };
      case 'SUBSCRIBE_TO_TASK':
        return { method, params: subscribeToTaskRequestFromAvro(v) };
      case 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG':
        return { method, params: pushConfigFromAvro(v) };
      case 'GET_TASK_PUSH_NOTIFICATION_CONFIG':
        return { method, params: pushConfigRefFromAvro(v) };
      case 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS':
        return { method, params: listPushConfigsRequestFromAvro(v) };
      case 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG':
        return { method, params: pushConfigRefFromAvro(v) };
      case 'GET_EXTENDED_AGENT_CARD':
        return { method, params: getExtendedAgentCardRequestFromAvro(v) };
    }
  })();
  return { ...head, ...call };
}

// ---- A2AResponse -----------------------------------------------------------------------------------------

const RESULT_FIELDS = ['sendMessage', 'streamResponse', 'task', 'listTasks', 'pushConfig', 'listPushConfigs', 'agentCard'] as const;

export function a2aResponseToAvro(x: A2AResponse, path = 'A2AResponse'): R {
  const out: R = {
    requestId: x.requestId ?? '',
    method: x.method,
    sequence: long(`${path}.sequence`, x.sequence),
    endOfStream: x.endOfStream ?? false,
    error:
      x.error === undefined || x.error === null
        ? null
        : { code: x.error.code, message: x.error.message ?? '', data: jsonToText(`${path}.error.data`, x.error.data) },
    empty: false,
  };
  for (const f of RESULT_FIELDS) out[f] = null;
  const r = x.result;
  const p = `${path}.result`;
  if (r !== undefined && r !== null) {
    switch (r.$case) {
      case 'sendMessage':
        out.sendMessage = sendMessageResponseToAvro(r.value, `${p}.sendMessage`);
        break;
      case 'streamResponse':
        out.streamResponse = streamResponseToAvro(r.value, `${p}.streamResponse`);
        break;
      case 'task':
        out.task = taskToAvro(r.value, `${p}.task`);
        break;
      case 'listTasks':
        out.listTasks = listTasksResponseToAvro(r.value, `${p}.listTasks`);
        break;
      case 'pushConfig':
        out.pushConfig = pushConfigToAvro(r.value);
        break;
      case 'listPushConfigs':
        out.listPushConfigs = listPushConfigsResponseToAvro(r.value);
        break;
      case 'agentCard':
        out.agentCard = agentCardToAvro(r.value, `${p}.agentCard`);
        break;
      case 'empty':
        out.empty = true;
        break;
      default:
        throw mappingError(p, `unknown result case ${String((r as { $case: unknown }).$case)}`);
    }
  }
  return out;
}

export function a2aResponseFromAvro(a: R, path = 'A2AResponse'): A2AResponse {
  const out: A2AResponse = {
    requestId: a.requestId as string,
    method: a.method as A2AMethod,
    sequence: a.sequence as number,
    endOfStream: a.endOfStream as boolean,
  };
  if (a.error !== null && a.error !== undefined) {
    const e = a.error as R;
    const err: A2AError = { code: e.code as number, message: e.message as string };
    if (e.data !== null && e.data !== undefined) err.data = textToJson(`${path}.error.data`, e.data as string);
    out.error = err;
  }
  const p = `${path}.result`;
  const which = oneofField(p, a, RESULT_FIELDS);
  if (which !== undefined && a.empty === true) throw mappingError(p, `both ${which} and empty are set`);
  const v = which === undefined ? undefined : (a[which] as R);
  switch (which) {
    case 'sendMessage':
      out.result = { $case: which, value: sendMessageResponseFromAvro(v as unknown as AvroSendMessageResponse, `${p}.sendMessage`) };
      break;
    case 'streamResponse':
      out.result = { $case: which, value: streamResponseFromAvro(v as unknown as AvroStreamResponse, `${p}.streamResponse`) };
      break;
    case 'task':
      out.result = { $case: which, value: taskFromAvro(v as unknown as AvroTask, `${p}.task`) };
      break;
    case 'listTasks':
      out.result = { $case: which, value: listTasksResponseFromAvro(v as R, `${p}.listTasks`) };
      break;
    case 'pushConfig':
      out.result = { $case: which, value: pushConfigFromAvro(v as R) };
      break;
    case 'listPushConfigs':
      out.result = { $case: which, value: listPushConfigsResponseFromAvro(v as R) };
      break;
    case 'agentCard':
      out.result = { $case: which, value: agentCardFromAvro(v as R, `${p}.agentCard`) };
      break;
    default:
      if (a.empty === true) out.result = { $case: 'empty' };
  }
  return out;
}

// ---- TaskSnapshot / AgentRegistration ----------------------------------------------------------------------

export function taskSnapshotToAvro(x: TaskSnapshot, path = 'TaskSnapshot'): R {
  if (x.task === undefined || x.task === null) throw mappingError(`${path}.task`, 'task is required');
  return taskSnapshotAroundAvro(x, taskToAvro(x.task, `${path}.task`) as unknown as R, path);
}

/** The snapshot's Avro record around a task already mapped with `toAvro('Task', ...)`. */
export function taskSnapshotAroundAvro(x: Omit<TaskSnapshot, 'task'>, avroTask: R, path = 'TaskSnapshot'): R {
  return { tenant: x.tenant ?? null, owner: x.owner ?? null, savedAt: long(`${path}.savedAt`, x.savedAt), task: avroTask };
}

export function taskSnapshotFromAvro(a: R, path = 'TaskSnapshot'): TaskSnapshot {
  const out: TaskSnapshot = { task: taskFromAvro(a.task as unknown as AvroTask, `${path}.task`), savedAt: a.savedAt as number };
  if (a.tenant !== null && a.tenant !== undefined) out.tenant = a.tenant as string;
  if (a.owner !== null && a.owner !== undefined) out.owner = a.owner as string;
  return out;
}

export function agentRegistrationToAvro(x: AgentRegistration, path = 'AgentRegistration'): R {
  if (x.card === undefined || x.card === null) throw mappingError(`${path}.card`, 'card is required');
  return {
    agentName: x.agentName ?? '',
    card: agentCardToAvro(x.card, `${path}.card`),
    instanceId: x.instanceId ?? '',
    startedAt: long(`${path}.startedAt`, x.startedAt),
    heartbeatAt: long(`${path}.heartbeatAt`, x.heartbeatAt),
    ttlMs: long(`${path}.ttlMs`, x.ttlMs),
    status: x.status,
  };
}

export function agentRegistrationFromAvro(a: R, path = 'AgentRegistration'): AgentRegistration {
  return {
    agentName: a.agentName as string,
    card: agentCardFromAvro(a.card as R, `${path}.card`),
    instanceId: a.instanceId as string,
    startedAt: a.startedAt as number,
    heartbeatAt: a.heartbeatAt as number,
    ttlMs: a.ttlMs as number,
    status: a.status as AgentStatus,
  };
}
