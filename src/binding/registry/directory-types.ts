/** The AgentDirectory's public types: its events, stats and state, poison records, and the waitFor / watch options. */
import type { JoinedEvent, LeftEvent, UpdatedEvent } from './view.js';

export interface WaitForOptions {
  /** Default 10 000 ms; 0 = only what is known now. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** First yield a `joined` event for every instance live now. Default false. */
  replay?: boolean;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** A record of agent.registry that could not be read. */
export interface PoisonRecord {
  partition: number;
  offset: string;
  key: string | undefined;
  error: Error;
}

export interface DirectoryStats {
  /** Records read, tombstones included. */
  records: number;
  tombstones: number;
  /** Poison records skipped. */
  decodeErrors: number;
  /** Of those, cards the directory's card policy refused (unsigned, forged, naming other agents' topics). */
  untrustedCards: number;
  lastDecodeError: PoisonRecord | undefined;
  /** Registry entries held, live or not. */
  entries: number;
  liveInstances: number;
}

export interface DirectoryEventMap {
  joined: [JoinedEvent];
  updated: [UpdatedEvent];
  left: [LeftEvent];
  /** A poison record was skipped. */
  poison: [PoisonRecord];
}

export type DirectoryState = 'new' | 'starting' | 'ready' | 'stopped';
