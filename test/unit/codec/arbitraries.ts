/**
 * fast-check generators of SDK-shaped values (exactly the shape `X.fromJSON` builds: every key present,
 * proto3 defaults as '' / [] / 0 / false, optional fields as `undefined`, raw bytes as Buffer) and of
 * KAMF's envelope records. Shared by the unit and integration round-trip tests.
 */
import {
  Role,
  TaskState,
  type AgentCard,
  type Artifact,
  type Message,
  type OAuthFlows,
  type Part,
  type SecurityRequirement,
  type SecurityScheme,
  type StreamResponse,
  type Task,
  type TaskArtifactUpdateEvent,
  type TaskPushNotificationConfig,
  type TaskStatus,
  type TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import fc from 'fast-check';
import type { A2ARequest, A2AResponse, AgentRegistration, SdkTypes, TaskSnapshot } from '../../../src/codec/index.js';
import type { RecordTypeName } from '../../../src/codec/index.js';

export interface GenOptions {
  /** Allow ~1 MB strings in text parts (default true). */
  large?: boolean;
  /** Max length of arrays of nested records (default 3). */
  maxItems?: number;
}

const SAMPLES = [
  '',
  '안녕하세요, 세계',
  '한국어 텍스트 🇰🇷',
  '🙂👍🏽👨‍👩‍👧‍👦',
  'emoji 🎉 and 한글 mixed',
  'a\u0000b',
  'line\nbreak\ttab "quotes" \\',
];

/** -0 has no JSON form (JSON.stringify(-0) === "0"): ProtoJSON and KAMF both give 0 back. */
function noNegZero(v: unknown): unknown {
  if (Object.is(v, -0)) return 0;
  if (Array.isArray(v)) return v.map(noNegZero);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: noNegZero(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** fc.record builds null-prototype objects by default; SDK values are plain objects. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

export function arbitraries(opts: GenOptions = {}) {
  const large = opts.large ?? true;
  const maxItems = opts.maxItems ?? 3;

  const text = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.constantFrom(...SAMPLES) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );
  const bigText = large
    ? fc
        .tuple(fc.constantFrom('한', '🙂', 'abc', '👨‍👩‍👧‍👦'), fc.integer({ min: 250_000, max: 1_000_000 }))
        // whole repetitions only: slicing could split a surrogate pair (lone surrogates have no UTF-8 form)
        .map(([s, n]) => s.repeat(Math.ceil(n / s.length)))
    : text;
  const partText = fc.oneof({ weight: 20, arbitrary: text }, { weight: 1, arbitrary: bigText });
  const id = fc.oneof(fc.uuid(), fc.constant(''), text);
  const strs = fc.array(text, { maxLength: 3 });
  const jsonValue = fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }).map(noNegZero);
  const jsonObject = fc
    .dictionary(text, jsonValue, { maxKeys: 4, noNullPrototype: true })
    .map((o) => noNegZero(o) as Record<string, unknown>);
  const metadata = fc.option(jsonObject, { nil: undefined });
  const optInt = fc.option(fc.integer(), { nil: undefined });
  const optBool = fc.option(fc.boolean(), { nil: undefined });
  const taskState = fc.constantFrom(
    TaskState.TASK_STATE_UNSPECIFIED,
    TaskState.TASK_STATE_SUBMITTED,
    TaskState.TASK_STATE_WORKING,
    TaskState.TASK_STATE_COMPLETED,
    TaskState.TASK_STATE_FAILED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_INPUT_REQUIRED,
    TaskState.TASK_STATE_REJECTED,
    TaskState.TASK_STATE_AUTH_REQUIRED,
    TaskState.UNRECOGNIZED,
  );
  const role = fc.constantFrom(Role.ROLE_UNSPECIFIED, Role.ROLE_USER, Role.ROLE_AGENT, Role.UNRECOGNIZED);
  const date = fc.date({ noInvalidDate: true });
  const timestamp = fc.option(
    fc.oneof(
      { weight: 4, arbitrary: date.map((d) => d.toISOString()) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.date({ noInvalidDate: true, min: new Date('1970-01-01'), max: new Date('2100-01-01') }),
            fc.integer({ min: 0, max: 999 }),
          )
          .map(([d, micros]) => d.toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`)),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom('2024-05-01T12:00:00+09:00', '2024-05-01T03:00:00.5Z', '2024-05-01 03:00:00Z', 'not a date', ''),
      },
    ),
    { nil: undefined },
  );
  const bytes = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));

  const part: fc.Arbitrary<Part> = rec({
    content: fc.oneof(
      fc.constant(undefined),
      partText.map((value) => ({ $case: 'text' as const, value })),
      bytes.map((value) => ({ $case: 'raw' as const, value })),
      fc.webUrl().map((value) => ({ $case: 'url' as const, value })),
      jsonValue.map((value) => ({ $case: 'data' as const, value })),
    ),
    metadata,
    filename: text,
    mediaType: fc.constantFrom('', 'text/plain', 'application/json', 'image/png'),
  });
  const parts = fc.array(part, { maxLength: maxItems });

  const message: fc.Arbitrary<Message> = rec({
    messageId: id,
    contextId: id,
    taskId: id,
    role,
    parts,
    metadata,
    extensions: strs,
    referenceTaskIds: strs,
  });
  const artifact: fc.Arbitrary<Artifact> = rec({
    artifactId: id,
    name: text,
    description: text,
    parts,
    metadata,
    extensions: strs,
  });
  const taskStatus: fc.Arbitrary<TaskStatus> = rec({
    state: taskState,
    message: fc.option(message, { nil: undefined }),
    timestamp,
  });
  const task: fc.Arbitrary<Task> = rec({
    id,
    contextId: id,
    status: fc.option(taskStatus, { nil: undefined }),
    artifacts: fc.array(artifact, { maxLength: maxItems }),
    history: fc.array(message, { maxLength: maxItems }),
    metadata,
  });
  const statusUpdate: fc.Arbitrary<TaskStatusUpdateEvent> = rec({
    taskId: id,
    contextId: id,
    status: fc.option(taskStatus, { nil: undefined }),
    metadata,
  });
  const artifactUpdate: fc.Arbitrary<TaskArtifactUpdateEvent> = rec({
    taskId: id,
    contextId: id,
    artifact: fc.option(artifact, { nil: undefined }),
    append: fc.boolean(),
    lastChunk: fc.boolean(),
    metadata,
  });
  const streamResponse: fc.Arbitrary<StreamResponse> = rec({
    payload: fc.oneof(
      fc.constant(undefined),
      task.map((value) => ({ $case: 'task' as const, value })),
      message.map((value) => ({ $case: 'message' as const, value })),
      statusUpdate.map((value) => ({ $case: 'statusUpdate' as const, value })),
      artifactUpdate.map((value) => ({ $case: 'artifactUpdate' as const, value })),
    ),
  });

  // ---- agent card
  // `__proto__` cannot be an Avro map key (the codec refuses it: see docs/avro-mapping.md)
  const mapKey = text.filter((k) => k !== '__proto__');
  const scopes = fc.dictionary(mapKey, text, { maxKeys: 3, noNullPrototype: true });
  const oauthFlows: fc.Arbitrary<OAuthFlows> = rec({
    flow: fc.oneof(
      fc.constant(undefined),
      rec({ authorizationUrl: text, tokenUrl: text, refreshUrl: text, scopes, pkceRequired: fc.boolean() }).map((value) => ({
        $case: 'authorizationCode' as const,
        value,
      })),
      rec({ tokenUrl: text, refreshUrl: text, scopes }).map((value) => ({ $case: 'clientCredentials' as const, value })),
      rec({ authorizationUrl: text, refreshUrl: text, scopes }).map((value) => ({ $case: 'implicit' as const, value })),
      rec({ tokenUrl: text, refreshUrl: text, scopes }).map((value) => ({ $case: 'password' as const, value })),
      rec({ deviceAuthorizationUrl: text, tokenUrl: text, refreshUrl: text, scopes }).map((value) => ({
        $case: 'deviceCode' as const,
        value,
      })),
    ),
  });
  const securityScheme: fc.Arbitrary<SecurityScheme> = rec({
    scheme: fc.oneof(
      fc.constant(undefined),
      rec({ description: text, location: text, name: text }).map((value) => ({ $case: 'apiKeySecurityScheme' as const, value })),
      rec({ description: text, scheme: text, bearerFormat: text }).map((value) => ({ $case: 'httpAuthSecurityScheme' as const, value })),
      rec({ description: text, flows: fc.option(oauthFlows, { nil: undefined }), oauth2MetadataUrl: text }).map((value) => ({
        $case: 'oauth2SecurityScheme' as const,
        value,
      })),
      rec({ description: text, openIdConnectUrl: text }).map((value) => ({ $case: 'openIdConnectSecurityScheme' as const, value })),
      rec({ description: text }).map((value) => ({ $case: 'mtlsSecurityScheme' as const, value })),
    ),
  });
  const securityRequirement: fc.Arbitrary<SecurityRequirement> = rec({
    schemes: fc.dictionary(mapKey, rec({ list: strs }), { maxKeys: 3, noNullPrototype: true }),
  });
  const agentCard: fc.Arbitrary<AgentCard> = rec({
    name: text,
    description: text,
    supportedInterfaces: fc.array(rec({ url: text, protocolBinding: text, tenant: text, protocolVersion: text }), { maxLength: maxItems }),
    provider: fc.option(rec({ url: text, organization: text }), { nil: undefined }),
    version: text,
    documentationUrl: fc.option(text, { nil: undefined }),
    capabilities: fc.option(
      rec({
        streaming: optBool,
        pushNotifications: optBool,
        extensions: fc.array(rec({ uri: text, description: text, required: fc.boolean(), params: metadata }), { maxLength: 2 }),
        extendedAgentCard: optBool,
      }),
      { nil: undefined },
    ),
    securitySchemes: fc.dictionary(mapKey, securityScheme, { maxKeys: 3, noNullPrototype: true }),
    securityRequirements: fc.array(securityRequirement, { maxLength: 2 }),
    defaultInputModes: strs,
    defaultOutputModes: strs,
    skills: fc.array(
      rec({
        id: text,
        name: text,
        description: text,
        tags: strs,
        examples: strs,
        inputModes: strs,
        outputModes: strs,
        securityRequirements: fc.array(securityRequirement, { maxLength: 2 }),
      }),
      { maxLength: maxItems },
    ),
    signatures: fc.array(rec({ protected: text, signature: text, header: metadata }), { maxLength: 2 }),
    iconUrl: fc.option(text, { nil: undefined }),
  });

  // ---- requests / responses
  const pushConfig: fc.Arbitrary<TaskPushNotificationConfig> = rec({
    tenant: text,
    id,
    taskId: id,
    url: text,
    token: text,
    authentication: fc.option(rec({ scheme: text, credentials: text }), { nil: undefined }),
  });
  const sendMessageRequest = rec({
    tenant: text,
    message: fc.option(message, { nil: undefined }),
    configuration: fc.option(
      rec({
        acceptedOutputModes: strs,
        taskPushNotificationConfig: fc.option(pushConfig, { nil: undefined }),
        historyLength: optInt,
        returnImmediately: fc.boolean(),
      }),
      { nil: undefined },
    ),
    metadata,
  });
  const pushRef = rec({ tenant: text, taskId: id, id });
  const call = fc.oneof(
    sendMessageRequest.map((params) => ({ method: 'SEND_MESSAGE' as const, params })),
    sendMessageRequest.map((params) => ({ method: 'SEND_STREAMING_MESSAGE' as const, params })),
    rec({ tenant: text, id, historyLength: optInt }).map((params) => ({ method: 'GET_TASK' as const, params })),
    rec({
      tenant: text,
      contextId: id,
      status: taskState,
      pageSize: optInt,
      pageToken: text,
      historyLength: optInt,
      statusTimestampAfter: timestamp,
      includeArtifacts: optBool,
    }).map((params) => ({ method: 'LIST_TASKS' as const, params })),
    rec({ tenant: text, id, metadata }).map((params) => ({ method: 'CANCEL_TASK' as const, params })),
    rec({ tenant: text, id }).map((params) => ({ method: 'SUBSCRIBE_TO_TASK' as const, params })),
    pushConfig.map((params) => ({ method: 'CREATE_TASK_PUSH_NOTIFICATION_CONFIG' as const, params })),
    pushRef.map((params) => ({ method: 'GET_TASK_PUSH_NOTIFICATION_CONFIG' as const, params })),
    rec({ tenant: text, taskId: id, pageSize: fc.integer(), pageToken: text }).map((params) => ({
      method: 'LIST_TASK_PUSH_NOTIFICATION_CONFIGS' as const,
      params,
    })),
    pushRef.map((params) => ({ method: 'DELETE_TASK_PUSH_NOTIFICATION_CONFIG' as const, params })),
    rec({ tenant: text }).map((params) => ({ method: 'GET_EXTENDED_AGENT_CARD' as const, params })),
  );
  const a2aRequest: fc.Arbitrary<A2ARequest> = fc
    .tuple(call, fc.uuid(), fc.option(text, { nil: undefined }))
    .map(([c, requestId, tenant]) => (tenant === undefined ? { requestId, ...c } : { requestId, tenant, ...c }));

  const method = fc.constantFrom(
    'SEND_MESSAGE',
    'SEND_STREAMING_MESSAGE',
    'GET_TASK',
    'LIST_TASKS',
    'CANCEL_TASK',
    'SUBSCRIBE_TO_TASK',
    'CREATE_TASK_PUSH_NOTIFICATION_CONFIG',
    'GET_TASK_PUSH_NOTIFICATION_CONFIG',
    'LIST_TASK_PUSH_NOTIFICATION_CONFIGS',
    'DELETE_TASK_PUSH_NOTIFICATION_CONFIG',
    'GET_EXTENDED_AGENT_CARD',
  ) as fc.Arbitrary<A2AResponse['method']>;
  const result = fc.option(
    fc.oneof(
      rec({
        payload: fc.oneof(
          fc.constant(undefined),
          task.map((value) => ({ $case: 'task' as const, value })),
          message.map((value) => ({ $case: 'message' as const, value })),
        ),
      }).map((value) => ({ $case: 'sendMessage' as const, value })),
      streamResponse.map((value) => ({ $case: 'streamResponse' as const, value })),
      task.map((value) => ({ $case: 'task' as const, value })),
      rec({ tasks: fc.array(task, { maxLength: 2 }), nextPageToken: text, pageSize: fc.integer(), totalSize: fc.integer() }).map(
        (value) => ({ $case: 'listTasks' as const, value }),
      ),
      pushConfig.map((value) => ({ $case: 'pushConfig' as const, value })),
      rec({ configs: fc.array(pushConfig, { maxLength: 3 }), nextPageToken: text }).map((value) => ({
        $case: 'listPushConfigs' as const,
        value,
      })),
      agentCard.map((value) => ({ $case: 'agentCard' as const, value })),
      fc.constant({ $case: 'empty' as const }),
    ),
    { nil: undefined },
  );
  const error = fc.option(
    fc
      .tuple(fc.integer(), text, fc.option(jsonValue, { nil: undefined }))
      .map(([code, msg, data]) => (data === undefined ? { code, message: msg } : { code, message: msg, data })),
    { nil: undefined },
  );
  const a2aResponse: fc.Arbitrary<A2AResponse> = rec({
    requestId: fc.uuid(),
    method,
    sequence: fc.integer({ min: 0, max: 2 ** 53 - 2 }),
    endOfStream: fc.boolean(),
    error,
    result,
  }).map(({ error: e, result: r, ...rest }) => ({
    ...rest,
    ...(e === undefined ? {} : { error: e }),
    ...(r === undefined ? {} : { result: r }),
  }));

  const epochMillis = fc.integer({ min: -(2 ** 52), max: 2 ** 53 - 2 });
  const taskSnapshot: fc.Arbitrary<TaskSnapshot> = rec({
    task,
    tenant: fc.option(text, { nil: undefined }),
    owner: fc.option(text, { nil: undefined }),
    savedAt: epochMillis,
  }).map(({ tenant, owner, ...rest }) => ({
    ...rest,
    ...(tenant === undefined ? {} : { tenant }),
    ...(owner === undefined ? {} : { owner }),
  }));
  const agentRegistration: fc.Arbitrary<AgentRegistration> = rec({
    agentName: text,
    card: agentCard,
    instanceId: fc.uuid(),
    startedAt: epochMillis,
    heartbeatAt: epochMillis,
    ttlMs: fc.integer({ min: 0, max: 2 ** 53 - 2 }),
    status: fc.constantFrom('UP' as const, 'DRAINING' as const),
  });

  const byRecordType: { [K in RecordTypeName]: fc.Arbitrary<SdkTypes[K]> } = {
    A2ARequest: a2aRequest,
    A2AResponse: a2aResponse,
    Task: task,
    TaskSnapshot: taskSnapshot,
    AgentRegistration: agentRegistration,
    Message: message,
    Part: part,
    Artifact: artifact,
    TaskStatus: taskStatus,
    TaskStatusUpdateEvent: statusUpdate,
    TaskArtifactUpdateEvent: artifactUpdate,
    StreamResponse: streamResponse,
    AgentCard: agentCard,
  };
  return { byRecordType, jsonValue, text, part, message, task };
}
