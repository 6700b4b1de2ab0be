/**
 * Shared Avro definitions from which every `schemas/*.avsc` file is assembled (see `schema-build.ts`).
 *
 * Named types are written once here and refer to each other by short name; the builder inlines each
 * named type at its first use inside a top-level schema, so every generated `.avsc` is self-contained
 * (one top-level record, each named type defined exactly once). The generated files in `schemas/` are
 * what the registry sees and what `schemas.ts` loads; a unit test fails when they drift from this file.
 *
 * Flink constraints (DESIGN.md, "Avro schemas: the hard constraint"): no recursion, unions only
 * `["null", T]` with default null, free-form JSON as strings, timestamps as `timestamp-millis`.
 */

export const AVRO_NAMESPACE = 'dev.kamf.a2a.v1';

/** A JSON form of an Avro schema (deliberately loose: it is data, validated by avsc). */
export type AvroSchemaJson = string | AvroSchemaJson[] | { [key: string]: unknown };

export interface AvroField {
  name: string;
  type: AvroSchemaJson;
  default?: unknown;
  doc?: string;
}

export interface AvroNamedDef {
  type: 'record' | 'enum';
  name: string;
  doc?: string;
  fields?: AvroField[];
  symbols?: string[];
  default?: string;
}

// ---- field helpers -------------------------------------------------------------------------------

const str = (name: string, doc?: string): AvroField => ({ name, type: 'string', default: '', ...(doc ? { doc } : {}) });
const bool = (name: string, doc?: string): AvroField => ({ name, type: 'boolean', default: false, ...(doc ? { doc } : {}) });
const int = (name: string, doc?: string): AvroField => ({ name, type: 'int', default: 0, ...(doc ? { doc } : {}) });
const nullable = (name: string, type: AvroSchemaJson, doc?: string): AvroField => ({
  name,
  type: ['null', type],
  default: null,
  ...(doc ? { doc } : {}),
});
const strings = (name: string): AvroField => ({ name, type: { type: 'array', items: 'string' }, default: [] });
const arrayOf = (name: string, items: string): AvroField => ({ name, type: { type: 'array', items }, default: [] });
const mapOf = (name: string, values: AvroSchemaJson, doc?: string): AvroField => ({
  name,
  type: { type: 'map', values },
  default: {},
  ...(doc ? { doc } : {}),
});
/** Free-form JSON (protobuf Struct / Value): JSON text, null when absent. */
const json = (name: string, what = 'google.protobuf.Struct'): AvroField =>
  nullable(name, 'string', `${what} as JSON text (RFC 8259); null when absent`);
const TIMESTAMP_MILLIS = { type: 'long', logicalType: 'timestamp-millis' } as const;
/**
 * A proto Timestamp that the SDK carries as an ISO-8601 string: `<name>` holds the instant in millis
 * (what Flink reads), `<name>Text` holds the original text only when it is not exactly
 * `new Date(<name>).toISOString()` (sub-millisecond digits, a UTC offset, or unparseable text).
 */
const isoTimestamp = (name: string): AvroField[] => [
  nullable(name, TIMESTAMP_MILLIS, 'instant in epoch millis (UTC); null when absent or not an RFC 3339 timestamp'),
  nullable(
    `${name}Text`,
    'string',
    `original text of ${name}, present only when it differs from the canonical ISO-8601 form of the millis`,
  ),
];

const TASK_STATES = [
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
];

export const A2A_METHODS = [
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
] as const;

const record = (name: string, fields: AvroField[], doc?: string): AvroNamedDef => ({
  type: 'record',
  name,
  ...(doc ? { doc } : {}),
  fields,
});

const scopes = () => mapOf('scopes', 'string', 'scope name -> description');

/** Every named type, by short name. Order is irrelevant; references are by name. */
export const NAMED_TYPES: Readonly<Record<string, AvroNamedDef>> = Object.fromEntries(
  [
    // ---- enums
    {
      type: 'enum',
      name: 'TaskState',
      symbols: TASK_STATES,
      default: 'UNRECOGNIZED',
    },
    {
      type: 'enum',
      name: 'Role',
      symbols: ['ROLE_UNSPECIFIED', 'ROLE_USER', 'ROLE_AGENT', 'UNRECOGNIZED'],
      default: 'UNRECOGNIZED',
    },
    { type: 'enum', name: 'A2AMethod', symbols: [...A2A_METHODS] },
    { type: 'enum', name: 'AgentStatus', symbols: ['UP', 'DRAINING'] },

    // ---- core data model
    record(
      'Part',
      [
        nullable('text', 'string', 'oneof content: text'),
        nullable('raw', 'bytes', 'oneof content: raw file bytes'),
        nullable('url', 'string', 'oneof content: file URL'),
        nullable('data', 'string', 'oneof content: google.protobuf.Value as JSON text'),
        json('metadata'),
        str('filename'),
        str('mediaType'),
      ],
      'A2A Part; the proto oneof `content` is four nullable fields, at most one of them set',
    ),
    record('Message', [
      str('messageId'),
      str('contextId'),
      str('taskId'),
      { name: 'role', type: 'Role', default: 'ROLE_UNSPECIFIED' },
      arrayOf('parts', 'Part'),
      json('metadata'),
      strings('extensions'),
      strings('referenceTaskIds'),
    ]),
    record('Artifact', [
      str('artifactId'),
      str('name'),
      str('description'),
      arrayOf('parts', 'Part'),
      json('metadata'),
      strings('extensions'),
    ]),
    record('TaskStatus', [
      { name: 'state', type: 'TaskState', default: 'TASK_STATE_UNSPECIFIED' },
      nullable('message', 'Message'),
      ...isoTimestamp('timestamp'),
    ]),
    record('Task', [
      str('id'),
      str('contextId'),
      nullable('status', 'TaskStatus'),
      arrayOf('artifacts', 'Artifact'),
      arrayOf('history', 'Message'),
      json('metadata'),
    ]),
    record('TaskStatusUpdateEvent', [str('taskId'), str('contextId'), nullable('status', 'TaskStatus'), json('metadata')]),
    record('TaskArtifactUpdateEvent', [
      str('taskId'),
      str('contextId'),
      nullable('artifact', 'Artifact'),
      bool('append'),
      bool('lastChunk'),
      json('metadata'),
    ]),

    // ---- push notifications
    record('AuthenticationInfo', [str('scheme'), str('credentials')]),
    record('TaskPushNotificationConfig', [
      str('tenant'),
      str('id'),
      str('taskId'),
      str('url'),
      str('token'),
      nullable('authentication', 'AuthenticationInfo'),
    ]),

    // ---- agent card
    record('AgentInterface', [str('url'), str('protocolBinding'), str('tenant'), str('protocolVersion')]),
    record('AgentProvider', [str('url'), str('organization')]),
    record('AgentExtension', [str('uri'), str('description'), bool('required'), json('params')]),
    record('AgentCapabilities', [
      nullable('streaming', 'boolean'),
      nullable('pushNotifications', 'boolean'),
      arrayOf('extensions', 'AgentExtension'),
      nullable('extendedAgentCard', 'boolean'),
    ]),
    record('SecurityRequirement', [
      mapOf('schemes', { type: 'array', items: 'string' }, 'scheme name -> required scopes (proto StringList)'),
    ]),
    record('AgentSkill', [
      str('id'),
      str('name'),
      str('description'),
      strings('tags'),
      strings('examples'),
      strings('inputModes'),
      strings('outputModes'),
      arrayOf('securityRequirements', 'SecurityRequirement'),
    ]),
    record('AgentCardSignature', [str('protected'), str('signature'), json('header')]),
    record('APIKeySecurityScheme', [str('description'), str('location'), str('name')]),
    record('HTTPAuthSecurityScheme', [str('description'), str('scheme'), str('bearerFormat')]),
    record('AuthorizationCodeOAuthFlow', [str('authorizationUrl'), str('tokenUrl'), str('refreshUrl'), scopes(), bool('pkceRequired')]),
    record('ClientCredentialsOAuthFlow', [str('tokenUrl'), str('refreshUrl'), scopes()]),
    record('ImplicitOAuthFlow', [str('authorizationUrl'), str('refreshUrl'), scopes()]),
    record('PasswordOAuthFlow', [str('tokenUrl'), str('refreshUrl'), scopes()]),
    record('DeviceCodeOAuthFlow', [str('deviceAuthorizationUrl'), str('tokenUrl'), str('refreshUrl'), scopes()]),
    record(
      'OAuthFlows',
      [
        nullable('authorizationCode', 'AuthorizationCodeOAuthFlow'),
        nullable('clientCredentials', 'ClientCredentialsOAuthFlow'),
        nullable('implicit', 'ImplicitOAuthFlow'),
        nullable('password', 'PasswordOAuthFlow'),
        nullable('deviceCode', 'DeviceCodeOAuthFlow'),
      ],
      'proto oneof `flow`: at most one field set',
    ),
    record('OAuth2SecurityScheme', [str('description'), nullable('flows', 'OAuthFlows'), str('oauth2MetadataUrl')]),
    record('OpenIdConnectSecurityScheme', [str('description'), str('openIdConnectUrl')]),
    record('MutualTlsSecurityScheme', [str('description')]),
    record(
      'SecurityScheme',
      [
        nullable('apiKeySecurityScheme', 'APIKeySecurityScheme'),
        nullable('httpAuthSecurityScheme', 'HTTPAuthSecurityScheme'),
        nullable('oauth2SecurityScheme', 'OAuth2SecurityScheme'),
        nullable('openIdConnectSecurityScheme', 'OpenIdConnectSecurityScheme'),
        nullable('mtlsSecurityScheme', 'MutualTlsSecurityScheme'),
      ],
      'proto oneof `scheme`: at most one field set',
    ),
    record('AgentCard', [
      str('name'),
      str('description'),
      arrayOf('supportedInterfaces', 'AgentInterface'),
      nullable('provider', 'AgentProvider'),
      str('version'),
      nullable('documentationUrl', 'string'),
      nullable('capabilities', 'AgentCapabilities'),
      mapOf('securitySchemes', 'SecurityScheme'),
      arrayOf('securityRequirements', 'SecurityRequirement'),
      strings('defaultInputModes'),
      strings('defaultOutputModes'),
      arrayOf('skills', 'AgentSkill'),
      arrayOf('signatures', 'AgentCardSignature'),
      nullable('iconUrl', 'string'),
    ]),

    // ---- requests
    record('SendMessageConfiguration', [
      strings('acceptedOutputModes'),
      nullable('taskPushNotificationConfig', 'TaskPushNotificationConfig'),
      nullable('historyLength', 'int'),
      bool('returnImmediately'),
    ]),
    record('SendMessageRequest', [
      str('tenant'),
      nullable('message', 'Message'),
      nullable('configuration', 'SendMessageConfiguration'),
      json('metadata'),
    ]),
    record('GetTaskRequest', [str('tenant'), str('id'), nullable('historyLength', 'int')]),
    record('ListTasksRequest', [
      str('tenant'),
      str('contextId'),
      { name: 'status', type: 'TaskState', default: 'TASK_STATE_UNSPECIFIED' },
      nullable('pageSize', 'int'),
      str('pageToken'),
      nullable('historyLength', 'int'),
      ...isoTimestamp('statusTimestampAfter'),
      nullable('includeArtifacts', 'boolean'),
    ]),
    record('CancelTaskRequest', [str('tenant'), str('id'), json('metadata')]),
    record('SubscribeToTaskRequest', [str('tenant'), str('id')]),
    record('GetTaskPushNotificationConfigRequest', [str('tenant'), str('taskId'), str('id')]),
    record('DeleteTaskPushNotificationConfigRequest', [str('tenant'), str('taskId'), str('id')]),
    record('ListTaskPushNotificationConfigsRequest', [str('tenant'), str('taskId'), int('pageSize'), str('pageToken')]),
    record('GetExtendedAgentCardRequest', [str('tenant')]),

    // ---- responses
    record('SendMessageResponse', [nullable('task', 'Task'), nullable('message', 'Message')], 'proto oneof `payload`'),
    record(
      'StreamResponse',
      [
        nullable('task', 'Task'),
        nullable('message', 'Message'),
        nullable('statusUpdate', 'TaskStatusUpdateEvent'),
        nullable('artifactUpdate', 'TaskArtifactUpdateEvent'),
      ],
      'proto oneof `payload`: at most one field set',
    ),
    record('ListTasksResponse', [arrayOf('tasks', 'Task'), str('nextPageToken'), int('pageSize'), int('totalSize')]),
    record('ListTaskPushNotificationConfigsResponse', [arrayOf('configs', 'TaskPushNotificationConfig'), str('nextPageToken')]),
    record('A2AError', [
      { name: 'code', type: 'int', default: 0, doc: 'JSON-RPC error code (A2A error mapping)' },
      str('message'),
      json('data', 'JSON-RPC error data'),
    ]),

    // ---- KAMF envelopes and topic values
    record(
      'A2ARequest',
      [
        str('requestId', 'correlates the replies on the reply address'),
        { name: 'method', type: 'A2AMethod' },
        nullable('tenant', 'string'),
        nullable('sendMessage', 'SendMessageRequest', 'params of SEND_MESSAGE and SEND_STREAMING_MESSAGE'),
        nullable('getTask', 'GetTaskRequest'),
        nullable('listTasks', 'ListTasksRequest'),
        nullable('cancelTask', 'CancelTaskRequest'),
        nullable('subscribeToTask', 'SubscribeToTaskRequest'),
        nullable('createPushConfig', 'TaskPushNotificationConfig'),
        nullable('getPushConfig', 'GetTaskPushNotificationConfigRequest'),
        nullable('listPushConfigs', 'ListTaskPushNotificationConfigsRequest'),
        nullable('deletePushConfig', 'DeleteTaskPushNotificationConfigRequest'),
        nullable('getExtendedAgentCard', 'GetExtendedAgentCardRequest'),
      ],
      'A2A request envelope on agent.<name>.requests: exactly the params field of `method` is set',
    ),
    record(
      'A2AResponse',
      [
        str('requestId'),
        { name: 'method', type: 'A2AMethod' },
        { name: 'sequence', type: 'long', default: 0, doc: '0-based position in the reply stream of requestId' },
        bool('endOfStream', 'true on the last record for requestId'),
        nullable('error', 'A2AError'),
        nullable('sendMessage', 'SendMessageResponse'),
        nullable('streamResponse', 'StreamResponse'),
        nullable('task', 'Task'),
        nullable('listTasks', 'ListTasksResponse'),
        nullable('pushConfig', 'TaskPushNotificationConfig'),
        nullable('listPushConfigs', 'ListTaskPushNotificationConfigsResponse'),
        nullable('agentCard', 'AgentCard'),
        bool('empty', 'true when the operation succeeded with no result (DeleteTaskPushNotificationConfig)'),
      ],
      'A2A reply envelope on the caller reply address: at most one result field set (or empty = true)',
    ),
    record(
      'TaskSnapshot',
      [
        nullable('tenant', 'string', 'tenant the task belongs to (ServerCallContext.tenant)'),
        nullable('owner', 'string', 'user name that owns the task (ServerCallContext.user)'),
        { name: 'savedAt', type: TIMESTAMP_MILLIS, doc: 'when this snapshot was written' },
        { name: 'task', type: 'Task' },
      ],
      'value of the compacted a2a.tasks topic',
    ),
    record(
      'AgentRegistration',
      [
        str('agentName'),
        { name: 'card', type: 'AgentCard' },
        str('instanceId'),
        { name: 'startedAt', type: TIMESTAMP_MILLIS },
        { name: 'heartbeatAt', type: TIMESTAMP_MILLIS },
        { name: 'ttlMs', type: 'long', default: 0 },
        { name: 'status', type: 'AgentStatus', default: 'UP' },
      ],
      'value of the compacted agent.registry topic',
    ),
  ].map((d) => [d.name, d as AvroNamedDef]),
);

/** The top-level records: one `schemas/<name>.avsc` each, registrable on their own. */
export const RECORD_TYPES = [
  'A2ARequest',
  'A2AResponse',
  'Task',
  'TaskSnapshot',
  'AgentRegistration',
  'Message',
  'Part',
  'Artifact',
  'TaskStatus',
  'TaskStatusUpdateEvent',
  'TaskArtifactUpdateEvent',
  'StreamResponse',
  'AgentCard',
] as const;

export type RecordTypeName = (typeof RECORD_TYPES)[number];

export function isRecordTypeName(name: string): name is RecordTypeName {
  return (RECORD_TYPES as readonly string[]).includes(name);
}
