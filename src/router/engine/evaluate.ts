/**
 * Per-record evaluation of the embedded engine: the plan compiled to closures (computed columns, views, routes)
 * and applied to one source record, giving the sink messages it fans out to. No Kafka client in here.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import { compile, inferType, type Compiled, type EvalSettings, type Row } from '../expr.js';
import { shardOf } from '../operators.js';
import type { Expr, RouterPlan, SqlType, TablePlan } from '../plan.js';
import { relationColumns } from '../relations.js';
import { destinationOptions, laneOf, topicOf, type DestinationSettings, type TopicOf } from './destinations.js';
import type { InFlight } from './intake.js';
import type { Output } from './output.js';
import { messageOf, sourceRowOf, type DecodeAvro, type SourceRowOf } from './rows.js';

interface CompiledRoute {
  id: string;
  sink: TablePlan;
  from: string;
  where?: Compiled;
  projections: Array<{ column: string; value: Compiled }>;
  destination: string;
  priority: number;
  /** Key shards of the destination (its produce concurrency). */
  shards: number;
  toMessage: (values: Record<string, unknown>) => Message;
  /** Slot of `from` in the source's relation rows. */
  slot: number;
  topic: string;
  /** A sink with a 'topic-pattern': the topic (and its destination) a row names. */
  topicOf?: TopicOf;
}

interface CompiledView {
  from: string;
  where?: Compiled;
  columns: Array<{ name: string; value: Compiled }>;
}

/**
 * One source table's routes with the views they read, numbered: a record's relation rows live in one reused array
 * (slot 0 the source row), so evaluation allocates no map per record.
 */
interface SourceProgram {
  /** Relation names by slot. */
  names: string[];
  routes: CompiledRoute[];
  /** By slot; slot 0 (the source table) has none. */
  views: Array<(CompiledView & { fromSlot: number }) | undefined>;
  rows: Array<Row | undefined | typeof UNSET>;
}

const UNSET = Symbol('unset');

export class CompiledPlan {
  private readonly programs = new Map<string, SourceProgram>();
  private readonly rowOf = new Map<string, SourceRowOf>();
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
      let program = this.programs.get(r.source);
      if (!program) this.programs.set(r.source, (program = { names: [r.source], routes: [], views: [undefined], rows: [UNSET] }));
      const compiled: CompiledRoute = {
        id: r.id,
        sink,
        from: r.from,
        ...(r.where ? { where: compile(r.where, typeOf, this.evalSettings) } : {}),
        projections: r.projections.map((p) => ({ column: p.column, value: compile(p.expr, typeOf, this.evalSettings) })),
        destination,
        priority,
        shards: destinationOptions(this.settings, destination).concurrency ?? 4,
        toMessage: messageOf(sink),
        topic: sink.topic,
        ...(sink.topicPattern !== undefined ? { topicOf: topicOf(sink, this.settings) } : {}),
        slot: this.slotOf(program, r.from),
      };
      program.routes.push(compiled);
    }
    for (const t of Object.values(this.plan.tables)) this.rowOf.set(t.name, sourceRowOf(t, this.settings.decodeAvro));
  }

  /** The slot of relation `name` in a source's program, numbering it and the views under it on first use. */
  private slotOf(program: SourceProgram, name: string): number {
    const known = program.names.indexOf(name);
    if (known >= 0) return known;
    const v = this.views.get(name)!;
    const fromSlot = this.slotOf(program, v.from);
    program.names.push(name);
    program.views.push({ ...v, fromSlot });
    program.rows.push(UNSET);
    return program.names.length - 1;
  }

  private typeLookup(relation: string): (x: Expr) => SqlType {
    const cols = relationColumns(this.plan, relation) ?? [];
    const lookup = (path: string[]) => cols.find((c) => c.name === path[0])?.type;
    return (x) => inferType(x, lookup);
  }

  /** A source message -> the row of table `t`, computed columns included; synchronous for raw values. */
  sourceRow(t: TablePlan, topic: string, partition: number, m: KafkaMessage): Row | Promise<Row> {
    const row = this.rowOf.get(t.name)!(topic, partition, m);
    const computed = this.computed.get(t.name);
    if (!computed) return row;
    const withComputed = (r: Record<string, unknown>) => {
      for (const c of computed) r[c.name] = c.value(r);
      return r;
    };
    return row instanceof Promise ? row.then(withComputed) : withComputed(row);
  }

  /** The row of the relation in `slot` for the current record, computed once per record: undefined = filtered out by a view. */
  private relationRow(p: SourceProgram, slot: number): Row | undefined {
    const known = p.rows[slot];
    if (known !== UNSET) return known;
    const v = p.views[slot]!;
    const input = this.relationRow(p, v.fromSlot);
    let out: Row | undefined;
    if (input && (!v.where || v.where(input) === true)) {
      const r: Record<string, unknown> = {};
      for (const c of v.columns) r[c.name] = c.value(input);
      out = r;
    }
    p.rows[slot] = out;
    return out;
  }

  /** Calls `each` for every route of a source table that keeps this row, with the row the route reads, in route order. */
  private match(source: string, row: Row, each: (route: CompiledRoute, input: Row) => void): void {
    const p = this.programs.get(source);
    if (!p) return;
    const rows = p.rows;
    rows[0] = row;
    try {
      for (const r of p.routes) {
        const input = this.relationRow(p, r.slot);
        if (!input) continue;
        if (r.where && r.where(input) !== true) continue;
        each(r, input);
      }
    } finally {
      rows.fill(UNSET); // no record's rows outlive its evaluation
    }
  }

  private static values(r: CompiledRoute, input: Row): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const p of r.projections) values[p.column] = p.value(input);
    return values;
  }

  /** Evaluates every route of a source table for one record. Throws a ROUTER_EVAL_FAILED KamfError for the DLQ. */
  outputsOf(t: TablePlan, row: Row, record: InFlight, out: Output[] = []): Output[] {
    this.match(t.name, row, (r, input) => {
      const values = CompiledPlan.values(r, input);
      const message = r.toMessage(values);
      const to = r.topicOf ? r.topicOf(values) : r; // a 'topic-pattern' sink: the row names its topic
      out.push({
        topic: to.topic,
        destination: to.destination,
        priority: to.priority,
        shard: shardOf(message.key as Buffer | null, to.shards, this.roundRobin++),
        message,
        record,
        sink: r.sink.name,
      });
    });
    return out;
  }

  /** Pure evaluation of one source row against every route: which sinks get which column values. */
  evaluate(source: string, row: Row): Array<{ route: string; sink: string; values: Record<string, unknown> }> {
    const out: Array<{ route: string; sink: string; values: Record<string, unknown> }> = [];
    this.match(source, row, (r, input) => out.push({ route: r.id, sink: r.sink.name, values: CompiledPlan.values(r, input) }));
    return out;
  }
}
