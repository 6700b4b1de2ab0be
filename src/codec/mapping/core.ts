/**
 * SDK ⇄ Avro for the A2A data model: Part, Message, Artifact, TaskStatus, Task, the two update events,
 * StreamResponse and SendMessageResponse.
 */
import type {
  Artifact,
  Message,
  Part,
  Role,
  SendMessageResponse,
  StreamResponse,
  Task,
  TaskArtifactUpdateEvent,
  TaskState,
  TaskStatus,
  TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import {
  bool,
  enumCodec,
  fromAvroBytes,
  isoFromAvro,
  isoToAvro,
  jsonToText,
  list,
  mappingError,
  oneofField,
  str,
  textToJson,
  toAvroBytes,
} from './util.js';

export const taskStateCodec = enumCodec<TaskState>('TaskState', [
  'TASK_STATE_UNSPECIFIED',
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_AUTH_REQUIRED',
  'UNRECOGNIZED',
]);
export const roleCodec = enumCodec<Role>('Role', ['ROLE_UNSPECIFIED', 'ROLE_USER', 'ROLE_AGENT', 'UNRECOGNIZED']);

// ---- Avro shapes -----------------------------------------------------------------------------------

export interface AvroPart {
  text: string | null;
  raw: Buffer | null;
  url: string | null;
  data: string | null;
  metadata: string | null;
  filename: string;
  mediaType: string;
}
export interface AvroMessage {
  messageId: string;
  contextId: string;
  taskId: string;
  role: string;
  parts: AvroPart[];
  metadata: string | null;
  extensions: readonly string[];
  referenceTaskIds: readonly string[];
}
export interface AvroArtifact {
  artifactId: string;
  name: string;
  description: string;
  parts: AvroPart[];
  metadata: string | null;
  extensions: readonly string[];
}
export interface AvroTaskStatus {
  state: string;
  message: AvroMessage | null;
  timestamp: number | null;
  timestampText: string | null;
}
export interface AvroTask {
  id: string;
  contextId: string;
  status: AvroTaskStatus | null;
  artifacts: AvroArtifact[];
  history: AvroMessage[];
  metadata: string | null;
}
export interface AvroTaskStatusUpdateEvent {
  taskId: string;
  contextId: string;
  status: AvroTaskStatus | null;
  metadata: string | null;
}
export interface AvroTaskArtifactUpdateEvent {
  taskId: string;
  contextId: string;
  artifact: AvroArtifact | null;
  append: boolean;
  lastChunk: boolean;
  metadata: string | null;
}
export interface AvroStreamResponse {
  task: AvroTask | null;
  message: AvroMessage | null;
  statusUpdate: AvroTaskStatusUpdateEvent | null;
  artifactUpdate: AvroTaskArtifactUpdateEvent | null;
}
export interface AvroSendMessageResponse {
  task: AvroTask | null;
  message: AvroMessage | null;
}

// ---- Part --------------------------------------------------------------------------------------------

export function partToAvro(p: Part, path: string): AvroPart {
  const out: AvroPart = {
    text: null,
    raw: null,
    url: null,
    data: null,
    metadata: jsonToText(`${path}.metadata`, p.metadata),
    filename: str(p.filename),
    mediaType: str(p.mediaType),
  };
  const c = p.content;
  if (c !== undefined && c !== null) {
    switch (c.$case) {
      case 'text':
        out.text = c.value;
        break;
      case 'raw':
        out.raw = toAvroBytes(`${path}.content.raw`, c.value);
        break;
      case 'url':
        out.url = c.value;
        break;
      case 'data':
        // `{ $case: 'data', value: undefined }` has no JSON form: like ProtoJSON it becomes "no content".
        out.data = jsonToText(`${path}.content.data`, c.value);
        break;
      default:
        throw mappingError(`${path}.content`, `unknown oneof case ${String((c as { $case: unknown }).$case)}`);
    }
  }
  return out;
}

export function partFromAvro(a: AvroPart, path: string): Part {
  const which = oneofField(`${path}.content`, a as unknown as Record<string, unknown>, ['text', 'raw', 'url', 'data']);
  let content: Part['content'];
  switch (which) {
    case 'text':
      content = { $case: 'text', value: a.text as string };
      break;
    case 'raw':
      content = { $case: 'raw', value: fromAvroBytes(a.raw as Buffer) };
      break;
    case 'url':
      content = { $case: 'url', value: a.url as string };
      break;
    case 'data':
      content = { $case: 'data', value: textToJson(`${path}.content.data`, a.data) };
      break;
    default:
      content = undefined;
  }
  return {
    content,
    metadata: textToJson(`${path}.metadata`, a.metadata) as Part['metadata'],
    filename: a.filename,
    mediaType: a.mediaType,
  };
}

// ---- Message / Artifact ------------------------------------------------------------------------------

export function messageToAvro(m: Message, path: string): AvroMessage {
  return {
    messageId: str(m.messageId),
    contextId: str(m.contextId),
    taskId: str(m.taskId),
    role: roleCodec.toAvro(`${path}.role`, m.role),
    parts: list(m.parts).map((p, i) => partToAvro(p, `${path}.parts[${i}]`)),
    metadata: jsonToText(`${path}.metadata`, m.metadata),
    extensions: list(m.extensions),
    referenceTaskIds: list(m.referenceTaskIds),
  };
}

export function messageFromAvro(a: AvroMessage, path: string): Message {
  return {
    messageId: a.messageId,
    contextId: a.contextId,
    taskId: a.taskId,
    role: roleCodec.fromAvro(`${path}.role`, a.role),
    parts: a.parts.map((p, i) => partFromAvro(p, `${path}.parts[${i}]`)),
    metadata: textToJson(`${path}.metadata`, a.metadata) as Message['metadata'],
    extensions: [...a.extensions],
    referenceTaskIds: [...a.referenceTaskIds],
  };
}

export function artifactToAvro(x: Artifact, path: string): AvroArtifact {
  return {
    artifactId: str(x.artifactId),
    name: str(x.name),
    description: str(x.description),
    parts: list(x.parts).map((p, i) => partToAvro(p, `${path}.parts[${i}]`)),
    metadata: jsonToText(`${path}.metadata`, x.metadata),
    extensions: list(x.extensions),
  };
}

export function artifactFromAvro(a: AvroArtifact, path: string): Artifact {
  return {
    artifactId: a.artifactId,
    name: a.name,
    description: a.description,
    parts: a.parts.map((p, i) => partFromAvro(p, `${path}.parts[${i}]`)),
    metadata: textToJson(`${path}.metadata`, a.metadata) as Artifact['metadata'],
    extensions: [...a.extensions],
  };
}

// ---- TaskStatus / Task -------------------------------------------------------------------------------

export function taskStatusToAvro(s: TaskStatus, path: string): AvroTaskStatus {
  const ts = isoToAvro(`${path}.timestamp`, s.timestamp);
  return {
    state: taskStateCodec.toAvro(`${path}.state`, s.state),
    message: s.message === undefined || s.message === null ? null : messageToAvro(s.message, `${path}.message`),
    timestamp: ts.millis,
    timestampText: ts.text,
  };
}

export function taskStatusFromAvro(a: AvroTaskStatus, path: string): TaskStatus {
  return {
    state: taskStateCodec.fromAvro(`${path}.state`, a.state),
    message: a.message === null ? undefined : messageFromAvro(a.message, `${path}.message`),
    timestamp: isoFromAvro(a.timestamp, a.timestampText),
  };
}

export function taskToAvro(t: Task, path: string): AvroTask {
  return {
    id: str(t.id),
    contextId: str(t.contextId),
    status: t.status === undefined || t.status === null ? null : taskStatusToAvro(t.status, `${path}.status`),
    artifacts: list(t.artifacts).map((x, i) => artifactToAvro(x, `${path}.artifacts[${i}]`)),
    history: list(t.history).map((m, i) => messageToAvro(m, `${path}.history[${i}]`)),
    metadata: jsonToText(`${path}.metadata`, t.metadata),
  };
}

export function taskFromAvro(a: AvroTask, path: string): Task {
  return {
    id: a.id,
    contextId: a.contextId,
    status: a.status === null ? undefined : taskStatusFromAvro(a.status, `${path}.status`),
    artifacts: a.artifacts.map((x, i) => artifactFromAvro(x, `${path}.artifacts[${i}]`)),
    history: a.history.map((m, i) => messageFromAvro(m, `${path}.history[${i}]`)),
    metadata: textToJson(`${path}.metadata`, a.metadata) as Task['metadata'],
  };
}

// ---- events ------------------------------------------------------------------------------------------

export function statusUpdateToAvro(e: TaskStatusUpdateEvent, path: string): AvroTaskStatusUpdateEvent {
  return {
    taskId: str(e.taskId),
    contextId: str(e.contextId),
    status: e.status === undefined || e.status === null ? null : taskStatusToAvro(e.status, `${path}.status`),
    metadata: jsonToText(`${path}.metadata`, e.metadata),
  };
}

export function statusUpdateFromAvro(a: AvroTaskStatusUpdateEvent, path: string): TaskStatusUpdateEvent {
  return {
    taskId: a.taskId,
    contextId: a.contextId,
    status: a.status === null ? undefined : taskStatusFromAvro(a.status, `${path}.status`),
    metadata: textToJson(`${path}.metadata`, a.metadata) as TaskStatusUpdateEvent['metadata'],
  };
}

export function artifactUpdateToAvro(e: TaskArtifactUpdateEvent, path: string): AvroTaskArtifactUpdateEvent {
  return {
    taskId: str(e.taskId),
    contextId: str(e.contextId),
    artifact: e.artifact === undefined || e.artifact === null ? null : artifactToAvro(e.artifact, `${path}.artifact`),
    append: bool(e.append),
    lastChunk: bool(e.lastChunk),
    metadata: jsonToText(`${path}.metadata`, e.metadata),
  };
}

export function artifactUpdateFromAvro(a: AvroTaskArtifactUpdateEvent, path: string): TaskArtifactUpdateEvent {
  return {
    taskId: a.taskId,
    contextId: a.contextId,
    artifact: a.artifact === null ? undefined : artifactFromAvro(a.artifact, `${path}.artifact`),
    append: a.append,
    lastChunk: a.lastChunk,
    metadata: textToJson(`${path}.metadata`, a.metadata) as TaskArtifactUpdateEvent['metadata'],
  };
}

// ---- StreamResponse / SendMessageResponse ------------------------------------------------------------

export function streamResponseToAvro(r: StreamResponse, path: string): AvroStreamResponse {
  const out: AvroStreamResponse = { task: null, message: null, statusUpdate: null, artifactUpdate: null };
  const p = r.payload;
  if (p === undefined || p === null) return out;
  switch (p.$case) {
    case 'task':
      out.task = taskToAvro(p.value, `${path}.payload.task`);
      break;
    case 'message':
      out.message = messageToAvro(p.value, `${path}.payload.message`);
      break;
    case 'statusUpdate':
      out.statusUpdate = statusUpdateToAvro(p.value, `${path}.payload.statusUpdate`);
      break;
    case 'artifactUpdate':
      out.artifactUpdate = artifactUpdateToAvro(p.value, `${path}.payload.artifactUpdate`);
      break;
    default:
      throw mappingError(`${path}.payload`, `unknown oneof case ${String((p as { $case: unknown }).$case)}`);
  }
  return out;
}

export function streamResponseFromAvro(a: AvroStreamResponse, path: string): StreamResponse {
  const which = oneofField(`${path}.payload`, a as unknown as Record<string, unknown>, [
    'task',
    'message',
    'statusUpdate',
    'artifactUpdate',
  ]);
  switch (which) {
    case 'task':
      return { payload: { $case: 'task', value: taskFromAvro(a.task as AvroTask, `${path}.payload.task`) } };
    case 'message':
      return { payload: { $case: 'message', value: messageFromAvro(a.message as AvroMessage, `${path}.payload.message`) } };
    case 'statusUpdate':
      return {
        payload: {
          $case: 'statusUpdate',
          value: statusUpdateFromAvro(a.statusUpdate as AvroTaskStatusUpdateEvent, `${path}.payload.statusUpdate`),
        },
      };
    case 'artifactUpdate':
      return {
        payload: {
          $case: 'artifactUpdate',
          value: artifactUpdateFromAvro(a.artifactUpdate as AvroTaskArtifactUpdateEvent, `${path}.payload.artifactUpdate`),
        },
      };
    default:
      return { payload: undefined };
  }
}

export function sendMessageResponseToAvro(r: SendMessageResponse, path: string): AvroSendMessageResponse {
  const p = r.payload;
  if (p === undefined || p === null) return { task: null, message: null };
  switch (p.$case) {
    case 'task':
      return { task: taskToAvro(p.value, `${path}.payload.task`), message: null };
    case 'message':
      return { task: null, message: messageToAvro(p.value, `${path}.payload.message`) };
    default:
      throw mappingError(`${path}.payload`, `unknown oneof case ${String((p as { $case: unknown }).$case)}`);
  }
}

export function sendMessageResponseFromAvro(a: AvroSendMessageResponse, path: string): SendMessageResponse {
  const which = oneofField(`${path}.payload`, a as unknown as Record<string, unknown>, ['task', 'message']);
  if (which === 'task') return { payload: { $case: 'task', value: taskFromAvro(a.task as AvroTask, `${path}.payload.task`) } };
  if (which === 'message') {
    return { payload: { $case: 'message', value: messageFromAvro(a.message as AvroMessage, `${path}.payload.message`) } };
  }
  return { payload: undefined };
}
