/** Asking the mesh from the terminal: stream a question to an agent found in the registry, show progress, print the answer. */
import { randomUUID } from 'node:crypto';
import type { Message, StreamResponse, Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { KafkaClientRuntime } from '../binding/client/runtime.js';
import type { MeshConnection } from '../binding/mesh.js';
import { AgentDirectory, KafkaAgentCardResolver } from '../binding/registry/index.js';
import { HEADERS, agentInterfaceUrl } from '../binding/protocol.js';
import { TOPICS } from '../core/topics.js';
import { textOf } from '../agent-kit/events.js';

export interface Turn {
  state: number;
  answer: string;
  task?: Task;
}

const STATE_NAMES: Record<number, string> = { 1: 'submitted', 2: 'working', 3: 'completed', 4: 'failed', 5: 'canceled', 6: 'input-required', 7: 'rejected', 8: 'auth-required' };
export const stateName = (s: number) => STATE_NAMES[s] ?? `state ${s}`;


export class MeshSession {
  private constructor(
    readonly runtime: KafkaClientRuntime,
    readonly directory: AgentDirectory,
    private readonly client: Client,
    readonly agent: string,
    private readonly priority?: string,
  ) {}

  /**
   * With `viaIngress`, requests go to `a2a.ingress` and the router stage forwards them (the card's name travels as
   * `kamf-target-agent`); otherwise straight to the agent's request topic from its card.
   */
  static async open(mesh: MeshConnection, agent: string, options: { timeoutMs?: number; viaIngress?: boolean; priority?: string } = {}): Promise<MeshSession> {
    const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, logger: { warn: () => {} } });
    // reading the registry and setting up the reply inbox (a topic and a group join) are independent: do both at once
    const [, runtime] = await Promise.all([directory.start(), KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: options.timeoutMs ?? 120_000 })]);
    const card = await new KafkaAgentCardResolver({ directory, timeoutMs: 15_000 }).resolve(`agent://${agent}`);
    const target = options.viaIngress
      ? { ...card, supportedInterfaces: card.supportedInterfaces.map((i) => ({ ...i, url: agentInterfaceUrl(mesh.endpoints.brokers, TOPICS.ingress.name) })) }
      : card;
    const client = await runtime.clientFactory().createFromAgentCard(target);
    return new MeshSession(runtime, directory, client, agent, options.priority);
  }

  /** One turn; pass the previous turn's task to continue it (INPUT_REQUIRED) or its context to stay in the conversation. */
  async ask(text: string, onProgress: (line: string) => void, previous?: Task): Promise<Turn> {
    const continuing = previous && previous.status?.state === 6;
    const message: Message = {
      messageId: randomUUID(),
      contextId: previous?.contextId ?? '',
      taskId: continuing ? previous.id : '',
      role: 1,
      parts: [{ content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined }],
      metadata: undefined,
      extensions: [],
      referenceTaskIds: [],
    };
    let task: Task | undefined;
    let answer = '';
    let state = 0;
    // service parameters travel as record headers: the router reads the priority from there
    const options = this.priority ? { serviceParameters: { [HEADERS.priority]: this.priority } } : undefined;
    const stream = this.client.sendMessageStream({ tenant: '', message, configuration: undefined, metadata: undefined }, options);
    for await (const ev of stream as AsyncGenerator<StreamResponse>) {
      const p = ev.payload;
      if (p?.$case === 'task') {
        task = p.value;
        state = p.value.status?.state ?? state;
      } else if (p?.$case === 'statusUpdate') {
        state = p.value.status?.state ?? state;
        const t = textOf(p.value.status?.message);
        if (state === 2 && t) onProgress(t);
        if (state !== 2 && t) answer = t;
        if (task) task = { ...task, status: p.value.status };
      } else if (p?.$case === 'artifactUpdate' && task) {
        task = { ...task, artifacts: [...task.artifacts.filter((a) => a.artifactId !== p.value.artifact?.artifactId), p.value.artifact!] };
      } else if (p?.$case === 'message') {
        answer = textOf(p.value);
        state = 3;
      }
    }
    return { state, answer, ...(task ? { task } : {}) };
  }

  async close(): Promise<void> {
    await Promise.all([this.runtime.close(), this.directory.stop()]);
  }
}
