/** The fixed topics of a KAMF mesh and what each carries. Agent request and reply topics are derived by name. */
export interface TopicSpec {
  name: string;
  /** Top-level record in schemas/ (subject `<topic>-value`); undefined for raw topics such as the DLQ. */
  recordType?: string;
  compacted: boolean;
  partitions: number;
  description: string;
}

/** How long agents keep a finished task on `a2a.tasks` after its last snapshot, by default: a day, as answered markers. */
export const DEFAULT_TASK_RETENTION_MS = 86_400_000;

export const TOPICS = {
  ingress: { name: 'a2a.ingress', recordType: 'A2ARequest', compacted: false, partitions: 6, description: 'requests in front of the router stage' },
  tasks: { name: 'a2a.tasks', recordType: 'TaskSnapshot', compacted: true, partitions: 6, description: 'task snapshots, the durable task store' },
  registry: { name: 'agent.registry', recordType: 'AgentRegistration', compacted: true, partitions: 1, description: 'Agent Cards and liveness, key = <agent name>/<instance id>' },
  dlq: { name: 'a2a.dlq', compacted: false, partitions: 1, description: 'poison or undeliverable records, reason in headers' },
} as const satisfies Record<string, TopicSpec>;

export const FIXED_TOPICS: readonly TopicSpec[] = Object.values(TOPICS);

export const agentRequestTopic = (agent: string, lane?: string) => `agent.${agent}.requests${lane ? `.${lane}` : ''}`;
export const replyTopic = (clientId: string) => `a2a.replies.${clientId}`;
export const subjectOf = (topic: string) => `${topic}-value`;
