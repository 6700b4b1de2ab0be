/** SDK ⇄ Avro for the request params, push-notification configs and the list responses. */
import type {
  AuthenticationInfo,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  SendMessageConfiguration,
  SendMessageRequest,
  SubscribeToTaskRequest,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import { type AvroMessage, type AvroTask, messageFromAvro, messageToAvro, taskFromAvro, taskStateCodec, taskToAvro } from './core.js';
import { type AvroRecord, bool, isoFromAvro, isoToAvro, jsonToText, list, num, opt, str, textToJson, unopt } from './util.js';

type R = AvroRecord;

const authToAvro = (x: AuthenticationInfo): R => ({ scheme: str(x.scheme), credentials: str(x.credentials) });
const authFromAvro = (a: R): AuthenticationInfo => ({ scheme: a.scheme as string, credentials: a.credentials as string });

export const pushConfigToAvro = (x: TaskPushNotificationConfig): R => ({
  tenant: str(x.tenant),
  id: str(x.id),
  taskId: str(x.taskId),
  url: str(x.url),
  token: str(x.token),
  authentication: x.authentication === undefined || x.authentication === null ? null : authToAvro(x.authentication),
});
export const pushConfigFromAvro = (a: R): TaskPushNotificationConfig => ({
  tenant: a.tenant as string,
  id: a.id as string,
  taskId: a.taskId as string,
  url: a.url as string,
  token: a.token as string,
  authentication: a.authentication === null ? undefined : authFromAvro(a.authentication as R),
});

const configurationToAvro = (x: SendMessageConfiguration): R => ({
  acceptedOutputModes: list(x.acceptedOutputModes),
  taskPushNotificationConfig:
    x.taskPushNotificationConfig === undefined || x.taskPushNotificationConfig === null
      ? null
      : pushConfigToAvro(x.taskPushNotificationConfig),
  historyLength: opt(x.historyLength),
  returnImmediately: bool(x.returnImmediately),
});
const configurationFromAvro = (a: R): SendMessageConfiguration => ({
  acceptedOutputModes: [...(a.acceptedOutputModes as string[])],
  taskPushNotificationConfig: a.taskPushNotificationConfig === null ? undefined : pushConfigFromAvro(a.taskPushNotificationConfig as R),
  historyLength: unopt(a.historyLength as number | null),
  returnImmediately: a.returnImmediately as boolean,
});

export const sendMessageRequestToAvro = (x: SendMessageRequest, path: string): R => ({
  tenant: str(x.tenant),
  message: x.message === undefined || x.message === null ? null : messageToAvro(x.message, `${path}.message`),
  configuration: x.configuration === undefined || x.configuration === null ? null : configurationToAvro(x.configuration),
  metadata: jsonToText(`${path}.metadata`, x.metadata),
});
export const sendMessageRequestFromAvro = (a: R, path: string): SendMessageRequest => ({
  tenant: a.tenant as string,
  message: a.message === null ? undefined : messageFromAvro(a.message as AvroMessage, `${path}.message`),
  configuration: a.configuration === null ? undefined : configurationFromAvro(a.configuration as R),
  metadata: textToJson(`${path}.metadata`, a.metadata as string | null) as SendMessageRequest['metadata'],
});

export const getTaskRequestToAvro = (x: GetTaskRequest): R => ({
  tenant: str(x.tenant),
  id: str(x.id),
  historyLength: opt(x.historyLength),
});
export const getTaskRequestFromAvro = (a: R): GetTaskRequest => ({
  tenant: a.tenant as string,
  id: a.id as string,
  historyLength: unopt(a.historyLength as number | null),
});

export const listTasksRequestToAvro = (x: ListTasksRequest, path: string): R => {
  const ts = isoToAvro(`${path}.statusTimestampAfter`, x.statusTimestampAfter);
  return {
    tenant: str(x.tenant),
    contextId: str(x.contextId),
    status: taskStateCodec.toAvro(`${path}.status`, x.status),
    pageSize: opt(x.pageSize),
    pageToken: str(x.pageToken),
    historyLength: opt(x.historyLength),
    statusTimestampAfter: ts.millis,
    statusTimestampAfterText: ts.text,
    includeArtifacts: opt(x.includeArtifacts),
  };
};
export const listTasksRequestFromAvro = (a: R, path: string): ListTasksRequest => ({
  tenant: a.tenant as string,
  contextId: a.contextId as string,
  status: taskStateCodec.fromAvro(`${path}.status`, a.status as string),
  pageSize: unopt(a.pageSize as number | null),
  pageToken: a.pageToken as string,
  historyLength: unopt(a.historyLength as number | null),
  statusTimestampAfter: isoFromAvro(a.statusTimestampAfter as number | null, a.statusTimestampAfterText as string | null),
  includeArtifacts: unopt(a.includeArtifacts as boolean | null),
});

export const cancelTaskRequestToAvro = (x: CancelTaskRequest, path: string): R => ({
  tenant: str(x.tenant),
  id: str(x.id),
  metadata: jsonToText(`${path}.metadata`, x.metadata),
});
export const cancelTaskRequestFromAvro = (a: R, path: string): CancelTaskRequest => ({
  tenant: a.tenant as string,
  id: a.id as string,
  metadata: textToJson(`${path}.metadata`, a.metadata as string | null) as CancelTaskRequest['metadata'],
});

export const subscribeToTaskRequestToAvro = (x: SubscribeToTaskRequest): R => ({ tenant: str(x.tenant), id: str(x.id) });
export const subscribeToTaskRequestFromAvro = (a: R): SubscribeToTaskRequest => ({ tenant: a.tenant as string, id: a.id as string });

/** Get and Delete push-config requests have the same shape. */
export const pushConfigRefToAvro = (x: GetTaskPushNotificationConfigRequest | DeleteTaskPushNotificationConfigRequest): R => ({
  tenant: str(x.tenant),
  taskId: str(x.taskId),
  id: str(x.id),
});
export const pushConfigRefFromAvro = (a: R): GetTaskPushNotificationConfigRequest & DeleteTaskPushNotificationConfigRequest => ({
  tenant: a.tenant as string,
  taskId: a.taskId as string,
  id: a.id as string,
});

export const listPushConfigsRequestToAvro = (x: ListTaskPushNotificationConfigsRequest): R => ({
  tenant: str(x.tenant),
  taskId: str(x.taskId),
  pageSize: num(x.pageSize),
  pageToken: str(x.pageToken),
});
export const listPushConfigsRequestFromAvro = (a: R): ListTaskPushNotificationConfigsRequest => ({
  tenant: a.tenant as string,
  taskId: a.taskId as string,
  pageSize: a.pageSize as number,
  pageToken: a.pageToken as string,
});

export const getExtendedAgentCardRequestToAvro = (x: GetExtendedAgentCardRequest): R => ({ tenant: str(x.tenant) });
export const getExtendedAgentCardRequestFromAvro = (a: R): GetExtendedAgentCardRequest => ({ tenant: a.tenant as string });

export const listTasksResponseToAvro = (x: ListTasksResponse, path: string): R => ({
  tasks: list(x.tasks).map((t, i) => taskToAvro(t, `${path}.tasks[${i}]`)),
  nextPageToken: str(x.nextPageToken),
  pageSize: num(x.pageSize),
  totalSize: num(x.totalSize),
});
export const listTasksResponseFromAvro = (a: R, path: string): ListTasksResponse => ({
  tasks: (a.tasks as AvroTask[]).map((t, i) => taskFromAvro(t, `${path}.tasks[${i}]`)),
  nextPageToken: a.nextPageToken as string,
  pageSize: a.pageSize as number,
  totalSize: a.totalSize as number,
});

export const listPushConfigsResponseToAvro = (x: ListTaskPushNotificationConfigsResponse): R => ({
  configs: list(x.configs).map(pushConfigToAvro),
  nextPageToken: str(x.nextPageToken),
});
export const listPushConfigsResponseFromAvro = (a: R): ListTaskPushNotificationConfigsResponse => ({
  configs: (a.configs as R[]).map(pushConfigFromAvro),
  nextPageToken: a.nextPageToken as string,
});
