/**
 * Destinations of the embedded engine: the agent and lane behind a sink topic, and the options (rate, produce
 * concurrency) that apply to it. Separate because evaluation (key shards) and output (rate limits) both read them.
 */
import { KamfError } from '../../core/errors.js';
import type { TablePlan } from '../plan.js';

export interface DestinationOptions {
  /** Records per second into this destination; default unlimited. */
  perSecond?: number;
  burst?: number;
  /** Produce calls in flight at once (key shards). Default 4. */
  concurrency?: number;
}

/** Where destination options come from: by destination (`agent.<name>` or topic, with prefix) or by bare agent name. */
export interface DestinationSettings {
  destinations?: Record<string, DestinationOptions>;
  defaultDestination?: DestinationOptions;
}

const LANE_PRIORITY: Record<string, number> = { urgent: 0, high: 0, normal: 1, '': 1, low: 2 };

/** The destination (agent) and lane priority of a sink topic. */
export function laneOf(topic: string): { destination: string; priority: number; lane: string } {
  const m = /^(.*agent\.[^.]+)\.requests(?:\.([^.]+))?$/.exec(topic);
  if (!m) return { destination: topic, priority: 1, lane: '' };
  const lane = m[2] ?? '';
  return { destination: m[1]!, priority: LANE_PRIORITY[lane] ?? 1, lane };
}

/** The options of one destination: the default, then the bare agent name's, then the destination's own. */
export function destinationOptions(settings: DestinationSettings, destination: string): DestinationOptions {
  const bare = /agent\.([^.]+)$/.exec(destination)?.[1];
  return { concurrency: 4, ...settings.defaultDestination, ...(bare ? settings.destinations?.[bare] : {}), ...settings.destinations?.[destination] };
}

/** Where a row of a 'topic-pattern' sink goes. */
export type TopicOf = (values: Record<string, unknown>) => { topic: string; destination: string; priority: number; shards: number };

/**
 * The topic a row of a sink with a 'topic-pattern' names in its writable topic column, checked against the pattern
 * as Flink's Kafka sink checks it (a topic outside it fails the record: ROUTER_EVAL_FAILED, so the DLQ).
 */
export function topicOf(sink: TablePlan, settings: DestinationSettings): TopicOf {
  const pattern = new RegExp(`^(?:${sink.topicPattern!})$`);
  const column = sink.topicColumn!;
  const known = new Map<string, ReturnType<TopicOf>>();
  return (values) => {
    const topic = values[column];
    if (typeof topic !== 'string') throw new KamfError('ROUTER_EVAL_FAILED', `sink ${sink.name}: the topic column ${column} is NULL: the row names no topic`);
    let to = known.get(topic);
    if (!to) {
      if (!pattern.test(topic)) throw new KamfError('ROUTER_EVAL_FAILED', `sink ${sink.name}: the topic ${JSON.stringify(topic)} does not match its 'topic-pattern' ${sink.topicPattern}`);
      const { destination, priority } = laneOf(topic);
      to = { topic, destination, priority, shards: destinationOptions(settings, destination).concurrency ?? 4 };
      if (known.size < 10_000) known.set(topic, to);
    }
    return to;
  };
}
