/**
 * One error type for the whole toolkit, discriminated by `code` (the @platformatic/kafka style):
 * callers switch on the code, never on message text.
 */
export type KamfErrorCode =
  // configuration and user input
  | 'CONFIG_INVALID'
  | 'CLI_USAGE'
  | 'FILE_NOT_FOUND'
  // a failure KAMF did not classify (a bug, or a library's error that reached the top unwrapped)
  | 'INTERNAL'
  // local infrastructure
  | 'INFRA_MISSING_TOOL'
  | 'INFRA_PORT_IN_USE'
  | 'INFRA_START_FAILED'
  | 'INFRA_FETCH_FAILED'
  // MCP tool servers (src/mcp): bad tool arguments, reported to the client as a tool error result
  | 'MCP_TOOL_INPUT'
  // agents' LLM planner (an OpenAI-compatible endpoint): the request failed, or the answer is unusable
  | 'LLM_REQUEST_FAILED'
  | 'LLM_BAD_RESPONSE'
  // codec / wire format
  | 'CODEC_BAD_MAGIC'
  | 'CODEC_TRUNCATED'
  | 'CODEC_UNKNOWN_SCHEMA'
  | 'CODEC_DECODE_FAILED'
  | 'CODEC_ENCODE_FAILED'
  | 'CODEC_MAPPING_FAILED'
  // schema governance
  | 'SCHEMA_INCOMPATIBLE'
  | 'SCHEMA_REGISTRY_ERROR'
  | 'SCHEMA_INVALID'
  // kafka
  | 'KAFKA_ERROR'
  // router stage (src/router): SQL outside the embedded engine's subset, bad files, engine failures
  | 'ROUTER_SQL_SYNTAX'
  | 'ROUTER_SQL_UNSUPPORTED'
  | 'ROUTER_SQL_INVALID'
  | 'ROUTER_PLACEHOLDER_MISSING'
  | 'ROUTER_FLINK_FAILED'
  | 'ROUTER_GATEWAY_ERROR'
  | 'ROUTER_EVAL_FAILED'
  | 'ROUTER_DECODE_FAILED'
  | 'ROUTER_PRODUCE_FAILED'
  // agent registry (discovery on agent.registry)
  | 'REGISTRY_AGENT_NOT_FOUND'
  | 'REGISTRY_TIMEOUT'
  | 'REGISTRY_CLOSED'
  // A2A Kafka binding, client side
  | 'A2A_TIMEOUT'
  | 'A2A_ABORTED'
  | 'A2A_CIRCUIT_OPEN'
  | 'A2A_CLIENT_CLOSED'
  // A2A Kafka binding: interface URLs, server side, task store (dead-letter codes are KamfErrorCodes too)
  | 'A2A_BAD_INTERFACE_URL'
  | 'A2A_UNAUTHENTICATED'
  // security: a reply address outside the reply prefix; a card that is unsigned, forged or names others' topics
  | 'A2A_REPLY_TO_REFUSED'
  | 'A2A_CARD_UNTRUSTED'
  | 'A2A_EMPTY_RECORD'
  | 'A2A_TASK_STORE_NOT_STARTED'
  | 'A2A_TASK_STORE_CATCH_UP_TIMEOUT'
  // A2A Kafka binding, delivery: a reply with no deliverable destination, a record above Kafka's limit, an effect
  // not written when the server stopped
  | 'A2A_REPLY_UNDELIVERABLE'
  | 'A2A_RECORD_TOO_LARGE'
  | 'A2A_REQUEST_TOO_LARGE'
  | 'A2A_EFFECT_UNWRITTEN';

export class KamfError extends Error {
  override readonly name = 'KamfError';
  readonly code: KamfErrorCode;
  /** Structured facts about the failure (a field path, a port, a log tail...). */
  readonly details: Readonly<Record<string, unknown>>;
  /** One line on what to do about it (the CLI prints it under the message), when there is something to suggest. */
  readonly hint?: string;

  constructor(code: KamfErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown>; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

export function isKamfError(err: unknown, code?: KamfErrorCode): err is KamfError {
  return err instanceof KamfError && (code === undefined || err.code === code);
}
