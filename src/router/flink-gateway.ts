/**
 * The Flink SQL Gateway's REST API (v2), for what takes ONE statement: queries (the differential harness), `SHOW
 * JOBS`, `STOP JOB`, session properties. Whole files never go through here statement by statement: they go to
 * Flink's own SQL Client (flink-deploy.ts), so Flink's parser decides where statements end.
 */
import { KamfError } from '../core/errors.js';

export interface GatewayColumn {
  name: string;
  logicalType: { type: string; nullable: boolean; precision?: number; scale?: number; length?: number };
}

export interface GatewayResult {
  columns: GatewayColumn[];
  /** Rows as Flink renders them (`PLAIN_TEXT`: each field as the SQL Client prints it, NULL as null). */
  rows: Array<Array<string | null>>;
  jobId?: string;
}

export interface FlinkJob {
  id: string;
  name: string;
  status: string;
  startTime: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One SQL Gateway session. */
export class GatewaySession {
  private constructor(
    readonly base: string,
    readonly handle: string,
    private readonly timeoutMs: number,
  ) {}

  /** Opens a session with these properties (e.g. `execution.runtime-mode: batch`). */
  static async open(url: string, properties: Record<string, string> = {}, timeoutMs = 120_000): Promise<GatewaySession> {
    const base = url.replace(/\/+$/, '');
    const res = (await call(base, 'POST', '/v2/sessions', { sessionName: 'kamf', properties })) as { sessionHandle: string };
    return new GatewaySession(base, res.sessionHandle, timeoutMs);
  }

  /** The session's effective configuration (the cluster's defaults plus the session's own). */
  async properties(): Promise<Record<string, string>> {
    return ((await call(this.base, 'GET', `/v2/sessions/${this.handle}`)) as { properties: Record<string, string> }).properties;
  }

  /** Runs one statement and collects its whole result (a bounded query, a SHOW, a SET, an INSERT's job id). */
  async execute(statement: string, maxRows = 1_000_000): Promise<GatewayResult> {
    const op = (await call(this.base, 'POST', `/v2/sessions/${this.handle}/statements`, { statement })) as { operationHandle: string };
    let uri: string | undefined = `/v2/sessions/${this.handle}/operations/${op.operationHandle}/result/0?rowFormat=PLAIN_TEXT`;
    const out: GatewayResult = { columns: [], rows: [] };
    const deadline = Date.now() + this.timeoutMs;
    while (uri) {
      const r = (await call(this.base, 'GET', uri, undefined, statement)) as {
        resultType: 'NOT_READY' | 'PAYLOAD' | 'EOS';
        jobID?: string;
        results?: { columns?: GatewayColumn[]; data?: Array<{ fields: Array<string | null> }> };
        nextResultUri?: string;
      };
      if (r.jobID) out.jobId = r.jobID;
      if (r.results?.columns?.length) out.columns = r.results.columns;
      for (const d of r.results?.data ?? []) out.rows.push(d.fields);
      if (r.resultType === 'EOS' || out.rows.length >= maxRows) break;
      if (Date.now() > deadline) throw new KamfError('ROUTER_GATEWAY_ERROR', `No result within ${this.timeoutMs} ms for: ${statement.slice(0, 120)}`);
      if (r.resultType === 'NOT_READY') await sleep(150);
      uri = r.nextResultUri;
    }
    return out;
  }

  /** Flink's jobs (`SHOW JOBS`), newest first. */
  async jobs(): Promise<FlinkJob[]> {
    const r = await this.execute('SHOW JOBS');
    return r.rows
      .map(([id, name, status, startTime]) => ({ id: id ?? '', name: name ?? '', status: status ?? '', startTime: startTime ?? '' }))
      .sort((a, b) => b.startTime.localeCompare(a.startTime));
  }

  /** `STOP JOB` with a savepoint (resolves with its path) or without (a plain cancel of the sources). */
  async stopJob(id: string, savepoint: boolean): Promise<string | undefined> {
    const r = await this.execute(`STOP JOB '${id}'${savepoint ? ' WITH SAVEPOINT' : ''}`);
    return savepoint ? (r.rows[0]?.[0] ?? undefined) : undefined;
  }

  async close(): Promise<void> {
    await call(this.base, 'DELETE', `/v2/sessions/${this.handle}`).catch(() => {});
  }
}

async function call(base: string, method: string, path: string, body?: unknown, statement?: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new KamfError('ROUTER_GATEWAY_ERROR', `Flink SQL Gateway at ${base} is not reachable: ${(err as Error).message}`, {
      cause: err,
      hint: 'Check the --gateway URL (the SQL Gateway REST endpoint, port 8083 by default).',
    });
  }
  const text = await res.text();
  if (!res.ok) {
    const errors = ((): string => {
      try {
        return ((JSON.parse(text) as { errors?: string[] }).errors ?? []).join('\n');
      } catch {
        return text;
      }
    })();
    const reason = flinkReason(errors);
    throw new KamfError('ROUTER_GATEWAY_ERROR', `Flink refused${statement ? ` ${JSON.stringify(statement.replace(/\s+/g, ' ').slice(0, 100))}` : ` ${method} ${path}`}: ${reason}`, {
      details: { status: res.status, reason },
    });
  }
  return text ? JSON.parse(text) : {};
}

/** The most specific message of a Java stack trace: the last `Caused by:` line, with what follows on its line. */
export function flinkReason(trace: string): string {
  const causes = [...trace.matchAll(/Caused by: ([\w.$]+): ([^\n]*)/g)];
  const last = causes[causes.length - 1];
  if (last) {
    // validation errors carry their position one level up: "From line 2, column 13 to line 2, column 24: ..."
    const located = causes.map((c) => c[2]!).find((m) => /^From line \d+, column \d+/.test(m));
    return located && !/at line \d+, column \d+/.test(last[2]!) ? located : `${last[2]}`;
  }
  return trace.split('\n').find((l) => l.trim() && !l.includes('Internal server error')) ?? trace.slice(0, 400);
}
