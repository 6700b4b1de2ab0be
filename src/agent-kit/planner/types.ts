/** What a planner sees and decides. Planners are pure decision makers: executing the plan is the agent's job. */
export interface PlannableTool {
  id: string;
  name: string;
  description: string;
  examples: string[];
  inputSchema: { type?: string; properties?: Record<string, JsonSchema>; required?: string[] } & Record<string, unknown>;
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  format?: string;
  anyOf?: JsonSchema[];
  [k: string]: unknown;
}

export interface ToolCall {
  tool: string;
  args: Record<string, unknown>;
}

/** A call waiting for arguments the user has not given yet (kept in task metadata between turns). */
export interface PendingCall extends ToolCall {
  missing: string[];
}

export type Plan =
  | { kind: 'call'; calls: ToolCall[]; mode: 'parallel' | 'sequential' }
  | { kind: 'ask'; question: string; pending: PendingCall }
  | { kind: 'reply'; text: string }
  | { kind: 'none'; reason: string };

export interface PlanInput {
  text: string;
  tools: PlannableTool[];
  /** Set on the turn that answers an INPUT_REQUIRED question. */
  pending?: PendingCall;
  lang: 'en' | 'ko';
}

export interface ToolOutcome {
  call: ToolCall;
  text: string;
  data?: unknown;
  isError: boolean;
}

export interface Planner {
  readonly name: string;
  plan(input: PlanInput, signal?: AbortSignal): Promise<Plan>;
  /** Optional: write the final answer from the tool results (the LLM planner does; otherwise the agent formats). */
  summarize?(input: PlanInput, outcomes: ToolOutcome[], signal?: AbortSignal): Promise<string | undefined>;
}
