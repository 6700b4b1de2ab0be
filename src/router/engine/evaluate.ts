/**
 * Per-record evaluation of the embedded engine: the plan compiled to closures (computed columns, views, routes)
 * and applied to one source record, giving the sink messages it fans out to. No Kafka client in here.
 */
import type { KafkaMessage } from 'kafkajs';
import { compile, inferType, type Compiled, type EvalSettings, type Row } from '../expr.js';
import { shardOf } from '../operators.js';
import type { Expr, RouterPlan, SqlType, TablePlan } from '../plan.js';
import { relationColumns } from '../relations.js';
import { destinationOptions, laneOf, topicOf, type DestinationSettings, type TopicOf } from './destinations.js';
import type { InFlight } from './intake.js';
import type { Output } from './output.js';
import { messageRow, toMessage, type DecodeAvro } from './rows.js';

interface CompiledRoute {
  id: string;
  sink: TablePlan;
  from: string;
  where?: Compiled;
  projections: Array<{ column: string; value: Compiled }>;
  destination: string;
  priority: number;
  /** A sink with a 'topic-pattern': the topic (and its destination) a row names. */
  topicOf?: TopicOf;
}

interface CompiledView {
  from: string;
  where?: Compiled;
  columns: Array<{ name: string; value: Compiled }>;
}

export class CompiledPlan {
  private readonly routesBySource = new Map<string, CompiledRoute[]>();
  private readonly views = new Map<string, CompiledView>();
  private readonly computed = new Map<string, Array<{ name: string; value: Compiled }>>();
  private roundRobin = 0;
  private readonly evalSettings: EvalSettings;

  constructor(
    private readonly plan: RouterPlan,
    private readonly settings: DestinationSettings & { decodeAvro?: DecodeAvro },
  ) {
    const tz = plan.settings['table.local-time-zone'];
    this.evalSettings = tz ? { timeZone: tz } : {};
    for (const t of Object.values(this.plan.tables)) {
      const comp = t.columns.filter((c) => c.kind === 'computed');
      if (comp.length) this.computed.set(t.name, comp.map((c) => ({ name: c.name, value: compile(c.expr!, this.typeLookup(t.name), this.evalSettings) })));
    }
    for (const v of Object.values(this.plan.views)) {
      const typeOf = this.typeLookup(v.from);
      this.views.set(v.name, {
        from: v.from,
        ...(v.where ? { where: compile(v.where, typeOf, this.evalSettings) } : {}),
        columns: v.columns.map((c) => ({ name: c.name, value: compile(c.expr, typeOf, this.evalSettings) })),
      });
    }
    for (const r of this.plan.routes) {
      const sink = this.plan.tables[r.sink]!;
      const typeOf = this.typeLookup(r.from);
      const { destination, priority } = laneOf(sink.topic);
      const compiled: CompiledRoute = {
        id: r.id,
        sink,
        from: r.from,
        ...(r.where ? { where: compile(r.where, typeOf, this.evalSettings) } : {}),
        projections: r.projections.map((p) => ({ column: p.column, value: compile(p.expr, typeOf, this.evalSettings) })),
        destination,
        priority,
        ...(sink.topicPattern !== undefined ? { topicOf: topicOf(sink, this.settings) } : {}),
      };
      const list = this.routesBySource.get(r.source) ?? [];
      list.push(compiled);
      this.routesBySource.set(r.source, list);
    }
  }

  private typeLookup(relation: string): (x: Expr) => SqlType {
    const cols = relationColumns(this.plan, relation) ?? [];
    const lookup = (path: string[]) => cols.find((c) => c.name === path[0])?.type;
    return (x) => inferType(x, lookup);
  }

  /** A source message -> the row of table `t`, computed columns included. */
  async sourceRow(t: TablePlan, topic: string, partition: number, m: KafkaMessage): Promise<Row> {
    const row = await messageRow(t, topic, partition, m, this.settings.decodeAvro);
    for (const c of this.computed.get(t.name) ?? []) row[c.name] = c.value(row);
    return row;
  }

  /** Rows of the relations a record reaches, computed once per record: undefined = filtered out by a view. */
  private relationRow(name: string, base: Map<string, Row | undefined>): Row | undefined {
    if (base.has(name)) return base.get(name);
    const v = this.views.get(name)!;
    const input = this.relationRow(v.from, base);
    let out: Row | undefined;
    if (input && (!v.where || v.where(input) === true)) {
      const r: Record<string, unknown> = {};
      for (const c of v.columns) r[c.name] = c.value(input);
      out = r;
    }
    base.set(name, out);
    return out;
  }

  /** The routes of a source table that keep this row, each with its sink column values, one at a time. */
  private *matches(source: string, row: Row): Generator<{ route: CompiledRoute; values: Record<string, unknown> }> {
    const rows = new Map<string, Row | undefined>([[source, row]]);
    for (const r of this.routesBySource.get(source) ?? []) {
      const input = this.relationRow(r.from, rows);
      if (!input) continue;
      if (r.where && r.where(input) !== true) continue;
      const values: Record<string, unknown> = {};
      for (const p of r.projections) values[p.column] = p.value(input);
      yield { route: r, values };
    }
  }

  /** Evaluates every route of a source table for one record. Throws a ROUTER_EVAL_FAILED KamfError for the DLQ. */
  outputsOf(t: TablePlan, row: Row, record: InFlight): Output[] {
    const out: Output[] = [];
    for (const { route: r, values } of this.matches(t.name, row)) {
      const message = toMessage(r.sink, values);
      const to = r.topicOf?.(values); // a 'topic-pattern' sink: the row names its topic
      const opts = destinationOptions(this.settings, r.destination);
      out.push({
        topic: to ? to.topic : r.sink.topic,
        destination: to ? to.destination : r.destination,
        priority: to ? to.priority : r.priority,
        shard: shardOf(message.key as Buffer | null, to ? to.shards : (opts.concurrency ?? 4), this.roundRobin++),
        message,
        record,
        sink: r.sink.name,
      });
    }
    return out;
  }

  /** Pure evaluation of one source row against every route: which sinks get which column values. */
  evaluate(source: string, row: Row): Array<{ route: string; sink: string; values: Record<string, unknown> }> {
    return [...this.matches(source, row)].map(({ route, values }) => ({ route: route.id, sink: route.sink.name, values }));
  }
}
