/** Counters the gateway keeps, so tests and operators can check that nothing is left behind. */
export interface GatewayStats {
  /** Calls relayed to Kafka, by outcome. */
  relayed: number;
  failed: number;
  /** Streams (SendStreamingMessage, SubscribeToTask) relaying right now. */
  openStreams: number;
  /** Streams ended because the caller went away. */
  streamsAbandoned: number;
  /** Stream slots held, all callers together. */
  streamSlots: number;
  /** Requests refused by a limit. */
  refused: { tooLarge: number; tooManyStreams: number; timedOut: number; unavailable: number };
}

export function newStats(): GatewayStats {
  return { relayed: 0, failed: 0, openStreams: 0, streamsAbandoned: 0, streamSlots: 0, refused: { tooLarge: 0, tooManyStreams: 0, timedOut: 0, unavailable: 0 } };
}
