/**
 * Errors at the gateway's edge, per binding (spec §5.4). The SDK's handlers map A2A errors themselves; where their
 * mapping differs from the spec, the relay hands them a binding-specific error that carries the right status:
 * HTTP+JSON 409 for TaskNotCancelable, 415 for ContentTypeNotSupported, 502 for InvalidAgentResponse, 401 for an
 * unauthenticated caller; gRPC UNIMPLEMENTED for UnsupportedOperation, PushNotificationNotSupported and
 * VersionNotSupported. Gateway failures (timeout, agent gone, limits) become errors of the caller's binding too.
 */
import {
  A2AError,
  RestContentTypeNotSupportedError,
  RestExtendedAgentCardNotConfiguredError,
  RestExtensionSupportRequiredError,
  RestInvalidAgentResponseError,
  RestPushNotificationNotSupportedError,
  RestRequestMalformedError,
  RestTaskNotCancelableError,
  RestTaskNotFoundError,
  RestUnsupportedOperationError,
  RestVersionNotSupportedError,
} from '@a2a-js/sdk/errors';
import {
  GRPC_STATUS_CODE,
  GrpcContentTypeNotSupportedError,
  GrpcExtendedAgentCardNotConfiguredError,
  GrpcExtensionSupportRequiredError,
  GrpcInvalidAgentResponseError,
  GrpcPushNotificationNotSupportedError,
  GrpcRequestMalformedError,
  GrpcTaskNotCancelableError,
  GrpcTaskNotFoundError,
  GrpcUnsupportedOperationError,
  GrpcVersionNotSupportedError,
} from '@a2a-js/sdk/errors/grpc';
import { isKamfError } from '../core/errors.js';

export type EdgeStyle = 'jsonrpc' | 'rest' | 'grpc';

/** HTTP statuses of the HTTP+JSON binding (spec §5.4), by A2A error name. */
export const REST_STATUS: Record<string, number> = {
  TaskNotFoundError: 404,
  TaskNotCancelableError: 409,
  PushNotificationNotSupportedError: 400,
  UnsupportedOperationError: 400,
  ContentTypeNotSupportedError: 415,
  InvalidAgentResponseError: 502,
  ExtendedAgentCardNotConfiguredError: 400,
  ExtensionSupportRequiredError: 400,
  VersionNotSupportedError: 400,
  RequestMalformedError: 400,
};

/** gRPC statuses (spec §5.4), by A2A error name. */
export const GRPC_STATUS: Record<string, number> = {
  TaskNotFoundError: GRPC_STATUS_CODE.NOT_FOUND,
  TaskNotCancelableError: GRPC_STATUS_CODE.FAILED_PRECONDITION,
  PushNotificationNotSupportedError: GRPC_STATUS_CODE.UNIMPLEMENTED,
  UnsupportedOperationError: GRPC_STATUS_CODE.UNIMPLEMENTED,
  ContentTypeNotSupportedError: GRPC_STATUS_CODE.INVALID_ARGUMENT,
  InvalidAgentResponseError: GRPC_STATUS_CODE.INTERNAL,
  ExtendedAgentCardNotConfiguredError: GRPC_STATUS_CODE.FAILED_PRECONDITION,
  ExtensionSupportRequiredError: GRPC_STATUS_CODE.FAILED_PRECONDITION,
  VersionNotSupportedError: GRPC_STATUS_CODE.UNIMPLEMENTED,
  RequestMalformedError: GRPC_STATUS_CODE.INVALID_ARGUMENT,
};

type Ctor = new (o: { message: string; statusCode?: number; status?: number; metadata?: Record<string, string> }) => A2AError;
const REST_CLASSES: Record<string, Ctor> = {
  TaskNotFoundError: RestTaskNotFoundError,
  TaskNotCancelableError: RestTaskNotCancelableError,
  PushNotificationNotSupportedError: RestPushNotificationNotSupportedError,
  UnsupportedOperationError: RestUnsupportedOperationError,
  ContentTypeNotSupportedError: RestContentTypeNotSupportedError,
  InvalidAgentResponseError: RestInvalidAgentResponseError,
  ExtendedAgentCardNotConfiguredError: RestExtendedAgentCardNotConfiguredError,
  ExtensionSupportRequiredError: RestExtensionSupportRequiredError,
  VersionNotSupportedError: RestVersionNotSupportedError,
  RequestMalformedError: RestRequestMalformedError,
};
const GRPC_CLASSES: Record<string, Ctor> = {
  TaskNotFoundError: GrpcTaskNotFoundError,
  TaskNotCancelableError: GrpcTaskNotCancelableError,
  PushNotificationNotSupportedError: GrpcPushNotificationNotSupportedError,
  UnsupportedOperationError: GrpcUnsupportedOperationError,
  ContentTypeNotSupportedError: GrpcContentTypeNotSupportedError,
  InvalidAgentResponseError: GrpcInvalidAgentResponseError,
  ExtendedAgentCardNotConfiguredError: GrpcExtendedAgentCardNotConfiguredError,
  ExtensionSupportRequiredError: GrpcExtensionSupportRequiredError,
  VersionNotSupportedError: GrpcVersionNotSupportedError,
  RequestMalformedError: GrpcRequestMalformedError,
};

/** What went wrong at the gateway itself, with its status in each binding. */
export const GATEWAY_FAILURE = {
  timeout: { jsonrpc: -32603, http: 504, httpStatus: 'DEADLINE_EXCEEDED', grpc: GRPC_STATUS_CODE.DEADLINE_EXCEEDED },
  unavailable: { jsonrpc: -32603, http: 503, httpStatus: 'UNAVAILABLE', grpc: GRPC_STATUS_CODE.UNAVAILABLE },
  tooManyStreams: { jsonrpc: -32603, http: 429, httpStatus: 'RESOURCE_EXHAUSTED', grpc: GRPC_STATUS_CODE.RESOURCE_EXHAUSTED },
  tooLarge: { jsonrpc: -32600, http: 413, httpStatus: 'RESOURCE_EXHAUSTED', grpc: GRPC_STATUS_CODE.RESOURCE_EXHAUSTED },
  unauthenticated: { jsonrpc: -32040, http: 401, httpStatus: 'UNAUTHENTICATED', grpc: GRPC_STATUS_CODE.UNAUTHENTICATED },
  internal: { jsonrpc: -32603, http: 500, httpStatus: 'INTERNAL', grpc: GRPC_STATUS_CODE.INTERNAL },
} as const;
export type GatewayFailure = keyof typeof GATEWAY_FAILURE;

/** A failure of the gateway itself; its reason is the status name (DEADLINE_EXCEEDED, UNAVAILABLE, ...). */
class GatewayFailureError extends A2AError {
  override readonly reason: string;
  constructor(message: string, reason: string) {
    super({ message });
    this.reason = reason;
  }
}

/** A branded A2AError that the SDK's handlers send with the status of the caller's binding. */
export function gatewayError(kind: GatewayFailure, style: EdgeStyle, message: string): A2AError {
  const f = GATEWAY_FAILURE[kind];
  const err = new GatewayFailureError(message, f.httpStatus);
  if (style === 'rest') return Object.assign(err, { transport: 'rest', statusCode: f.http });
  if (style === 'grpc') return Object.assign(err, { transport: 'grpc', status: f.grpc });
  return Object.assign(err, { transport: 'jsonrpc', envelopeCode: f.jsonrpc });
}

/** Any failure of a relayed call, as the error the caller's binding should see. */
export function edgeError(err: unknown, style: EdgeStyle): unknown {
  if (err instanceof A2AError) {
    const code = (err as { envelopeCode?: number }).envelopeCode;
    if (code === GATEWAY_FAILURE.unauthenticated.jsonrpc) return gatewayError('unauthenticated', style, err.message);
    if (style === 'jsonrpc') return err;
    const cls = (style === 'rest' ? REST_CLASSES : GRPC_CLASSES)[err.name];
    if (!cls) return err;
    const metadata = err.metadata ? { metadata: err.metadata } : {};
    return style === 'rest' ? new cls({ message: err.message, statusCode: REST_STATUS[err.name]!, ...metadata }) : new cls({ message: err.message, status: GRPC_STATUS[err.name]!, ...metadata });
  }
  if (isKamfError(err, 'A2A_TIMEOUT')) return gatewayError('timeout', style, `the agent did not answer in time: ${err.message}`);
  if (isKamfError(err, 'A2A_CIRCUIT_OPEN') || isKamfError(err, 'A2A_CLIENT_CLOSED')) return gatewayError('unavailable', style, err.message);
  if (isKamfError(err, 'A2A_UNAUTHENTICATED')) return gatewayError('unauthenticated', style, err.message);
  // never a raw stack: a short message of what failed
  return gatewayError('internal', style, err instanceof Error ? err.message : 'internal gateway error');
}
