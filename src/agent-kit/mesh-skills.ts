/**
 * The mesh as a tool box: every skill of every live agent in the registry, as planner tools (`<agent>/<skill>`),
 * and a way to call one over Kafka with the SDK client. The coordinator plans over these exactly as a tool agent
 * plans over its MCP tools, so nobody hard-codes another agent's address.
 */
import { randomUUID } from 'node:crypto';
import type { AgentSkill, Message, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import type { KafkaClientRuntime } from '../binding/client/runtime.js';
import type { AgentDirectory, LiveAgent } from '../binding/registry/index.js';
import { textOf, textPart } from './events.js';
import type { PlannableTool } from './planner/types.js';
import { skillSchemas } from './skills.js';
import { FANOUT_KIND, RESULT_KIND, dataOf, dataPart } from './tool-agent.js';
import { fanOut } from '../binding/client/fan-out.js';
import { KamfError } from '../core/errors.js';
import { TOPICS } from '../core/topics.js';
import { HEADERS } from '../binding/protocol.js';
import { STATE_HEADERS_KEY } from '../binding/server/call-context.js';
import { continueTraceparent, tracingOn } from '../core/telemetry.js';
import type { RequestContext } from '@a2a-js/sdk/server';

/**
 * Headers that tie a sub-request to the request being handled: the skill it asks for (for `kamf stats`) and, when
 * this process does not trace (with an SDK the active span carries it), the caller's trace id (for `kamf trace`).
 */
function causalHeaders(skill: string | undefined, parent: RequestContext | undefined): Record<string, string> {
  const out: Record<string, string> = skill ? { [HEADERS.skill]: skill } : {};
  if (parent && !tracingOn()) {
    const inbound = (parent.context?.state.get(STATE_HEADERS_KEY) as Record<string, string> | undefined)?.[HEADERS.traceparent];
    const tp = continueTraceparent(inbound);
    if (tp) out[HEADERS.traceparent] = tp;
  }
  return out;
}

export interface SkillCallResult {
  agent: string;
  skill: string;
  args: Record<string, unknown>;
  task: Task | undefined;
  state: number;
  text: string;
  /** Structured results the agent attached (one per tool it called). */
  results: Array<{ tool: string; args: Record<string, unknown>; result: unknown }>;
  /** When INPUT_REQUIRED: the agent's question. */
  question?: string;
  startedAt: number;
  endedAt: number;
}

/** One skill of one live agent, with its input schema when the agent publishes it (skill-schemas extension). */
export interface MeshSkill {
  agent: string;
  agentDescription: string;
  skill: AgentSkill;
  schema?: PlannableTool['inputSchema'];
}

/** Every skill of every live agent: what the coordinator plans over and the MCP gateway lists as tools. */
export function meshSkills(agents: LiveAgent[], exclude: string[] = []): MeshSkill[] {
  return agents
    .filter((a) => !exclude.includes(a.agentName))
    .flatMap((a) => {
      const schemas = skillSchemas(a.card);
      return a.card.skills.map((skill) => {
        const schema = schemas[skill.id] as PlannableTool['inputSchema'] | undefined;
        return { agent: a.agentName, agentDescription: a.card.description, skill, ...(schema ? { schema } : {}) };
      });
    });
}

export function meshTools(agents: LiveAgent[], exclude: string[] = []): PlannableTool[] {
  return meshSkills(agents, exclude).map((m) => ({
    id: `${m.agent}/${m.skill.id}`,
    name: m.skill.id,
    description: `${m.skill.description} (${m.agentDescription})`,
    examples: m.skill.examples,
    inputSchema: m.schema ?? { type: 'object', properties: { query: { type: 'string' } } },
  }));
}

export class MeshCaller {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(
    private readonly runtime: KafkaClientRuntime,
    private readonly directory: AgentDirectory,
  ) {}

  private client(agent: string): Promise<Client> {
    let c = this.clients.get(agent);
    if (!c) {
      const live = this.directory.get(agent);
      if (!live) return Promise.reject(new KamfError('REGISTRY_AGENT_NOT_FOUND', `agent ${agent} is not in the registry`, { details: { agent } }));
      c = this.runtime.clientFactory().createFromAgentCard(live.card);
      this.clients.set(agent, c);
    }
    return c;
  }

  /** Calls `<agent>/<skill>` with arguments (a data part naming the tool, so the agent need not re-plan). */
  /**
   * One request through the router to several agents at once (`kamf-target-agent: a,b`), each running its own
   * skill call; gathers every agent's answer. Agents that do not answer in time come back in state 0.
   */
  async fanOut(calls: Array<{ toolId: string; args: Record<string, unknown> }>, options: { text?: string; signal?: AbortSignal; ingressTopic?: string; parent?: RequestContext } = {}): Promise<SkillCallResult[]> {
    const byAgent = Object.fromEntries(calls.map((c) => {
      const [agent, skill] = c.toolId.split('/') as [string, string];
      return [agent, { tool: skill, arguments: c.args }];
    }));
    const startedAt = Date.now();
    const message: Message = {
      messageId: randomUUID(),
      contextId: '',
      taskId: '',
      role: 1,
      parts: [textPart(options.text ?? calls.map((c) => c.toolId).join(' + ')), dataPart({ kind: FANOUT_KIND, byAgent })],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    const answers = await fanOut(this.runtime, options.ingressTopic ?? TOPICS.ingress.name, Object.keys(byAgent), { tenant: '', message, configuration: undefined, metadata: undefined }, { ...(options.signal ? { signal: options.signal } : {}), headers: causalHeaders(undefined, options.parent) });
    const endedAt = Date.now();
    return answers.map((a) => {
      const skill = byAgent[a.agent]!.tool;
      const args = byAgent[a.agent]!.arguments;
      if ('missing' in a) return { agent: a.agent, skill, args, task: undefined, state: 0, text: `${a.agent} did not answer`, results: [], startedAt, endedAt };
      if ('error' in a) return { agent: a.agent, skill, args, task: undefined, state: 4, text: a.error.message, results: [], startedAt, endedAt };
      return this.toResult(a.agent, skill, args, a.result, startedAt, endedAt);
    });
  }

  /** With `plain`, only the text goes out and the agent plans for itself (for skills without an input schema). */
  async call(toolId: string, args: Record<string, unknown>, options: { text?: string; signal?: AbortSignal; plain?: boolean; parent?: RequestContext } = {}): Promise<SkillCallResult> {
    const [agent, skill] = toolId.split('/') as [string, string];
    const startedAt = Date.now();
    const client = await this.client(agent);
    const message: Message = {
      messageId: randomUUID(),
      contextId: '',
      taskId: '',
      role: 1,
      parts: options.plain ? [textPart(options.text ?? '')] : [textPart(options.text ?? `${skill} ${JSON.stringify(args)}`), dataPart({ tool: skill, arguments: args })],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    const serviceParameters = causalHeaders(skill, options.parent);
    const r = (await client.sendMessage({ tenant: '', message, configuration: undefined, metadata: undefined }, { ...(options.signal ? { signal: options.signal } : {}), serviceParameters })) as Task | Message;
    return this.toResult(agent, skill, args, r, startedAt, Date.now());
  }

  private toResult(agent: string, skill: string, args: Record<string, unknown>, r: Task | Message, startedAt: number, endedAt: number): SkillCallResult {
    if (!('status' in r)) return { agent, skill, args, task: undefined, state: 3, text: textOf(r), results: [], startedAt, endedAt };
    const artifactParts = r.artifacts.flatMap((a) => a.parts);
    const results = dataOf<{ tool: string; args: Record<string, unknown>; result: unknown }>({ parts: artifactParts } as Message, RESULT_KIND);
    const text = artifactParts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('\n').trim() || textOf(r.status?.message);
    const state = r.status?.state ?? 0;
    return { agent, skill, args, task: r, state, text, results, ...(state === 6 ? { question: textOf(r.status?.message) } : {}), startedAt, endedAt };
  }
}
