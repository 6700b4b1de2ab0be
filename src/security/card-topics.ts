/**
 * The request topics an Agent Card names (its Kafka binding interfaces), and the rule that they are the agent's own:
 * a card published under `<agent>` may only name `agent.<agent>.requests` and its lanes, so a registry entry can
 * never redirect callers' requests (and their credentials) to another agent's topic or one an attacker reads.
 */
import type { AgentCard } from '@a2a-js/sdk';
import { agentRequestTopic } from '../core/topics.js';

/** Same form as the binding's interface URLs (`kafka://<bootstrap>/<topic>`, binding/protocol.ts). */
const KAFKA_URL = /^kafka:\/\/[^/]*\/(.+)$/;

export function cardRequestTopics(card: AgentCard): string[] {
  const out: string[] = [];
  for (const i of card.supportedInterfaces ?? []) {
    const m = KAFKA_URL.exec(i.url ?? '');
    if (m) out.push(decodeURIComponent(m[1]!));
  }
  return out;
}

/** The topics of `card` that are not `agentName`'s own request topics (empty: the card is fine). */
export function foreignRequestTopics(card: AgentCard, agentName: string): string[] {
  return cardRequestTopics(card).filter((t) => !isOwnRequestTopic(t, agentName));
}

/** `agent.<name>.requests` or one lane of it (`.<lane>`, one segment: `agent.a.requests.b.requests` is agent a.requests.b's). */
export function isOwnRequestTopic(topic: string, agentName: string): boolean {
  const base = agentRequestTopic(agentName);
  return topic === base || (topic.startsWith(`${base}.`) && /^[A-Za-z0-9_-]+$/.test(topic.slice(base.length + 1)));
}
