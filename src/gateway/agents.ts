/**
 * The agents the gateway serves, following `agent.registry`: an agent appears when its first instance joins,
 * its card changes with `updated`, and it stays known (answering "no live instance" at once) after its last
 * instance left, so a caller can tell a departed agent from a name that never existed (404).
 */
import type { AgentCard } from '@a2a-js/sdk';
import { KAFKA_BINDING_URI, parseInterfaceUrl, type AgentDirectory, type DirectoryEvent } from '../binding/index.js';

export interface ServedAgent {
  name: string;
  /** The card the agent published (its Kafka interface included). */
  card: AgentCard;
  /** The request topic of its Kafka interface. */
  topic: string;
  live: boolean;
  /** When the published card last changed (for Last-Modified), epoch ms rounded to seconds. */
  changedAt: number;
}

export class AgentTable {
  private readonly agents = new Map<string, ServedAgent>();
  private readonly listeners: Array<(e: DirectoryEvent) => void> = [];

  constructor(private readonly directory: Pick<AgentDirectory, 'list' | 'get' | 'on' | 'off'>) {}

  /** Takes what the directory knows now, then follows its events. */
  start(): void {
    for (const a of this.directory.list()) this.upsert(a.agentName, a.card, true);
    const onJoined = (e: DirectoryEvent) => this.refresh(e.agentName);
    const onUpdated = (e: DirectoryEvent) => this.refresh(e.agentName);
    const onLeft = (e: DirectoryEvent) => this.refresh(e.agentName);
    this.directory.on('joined', onJoined);
    this.directory.on('updated', onUpdated);
    this.directory.on('left', onLeft);
    this.listeners.push(onJoined, onUpdated, onLeft);
  }

  stop(): void {
    for (const l of this.listeners) {
      this.directory.off('joined', l);
      this.directory.off('updated', l);
      this.directory.off('left', l);
    }
    this.listeners.length = 0;
  }

  get(name: string): ServedAgent | undefined {
    return this.agents.get(name);
  }

  list(): ServedAgent[] {
    return [...this.agents.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Re-reads one agent from the directory: its newest live card, or not live. */
  private refresh(name: string): void {
    const live = this.directory.get(name);
    if (live) this.upsert(name, live.card, true);
    else {
      const known = this.agents.get(name);
      if (known) known.live = false;
    }
  }

  private upsert(name: string, card: AgentCard, live: boolean): void {
    const kafka = card.supportedInterfaces.find((i) => i.protocolBinding.toLowerCase() === KAFKA_BINDING_URI.toLowerCase());
    if (!kafka) return; // not reachable over Kafka: nothing to relay to
    const prev = this.agents.get(name);
    const changed = !prev || JSON.stringify(prev.card) !== JSON.stringify(card);
    this.agents.set(name, {
      name,
      card,
      topic: parseInterfaceUrl(kafka.url).topic,
      live,
      changedAt: changed ? Math.floor(Date.now() / 1000) * 1000 : prev.changedAt,
    });
  }
}
