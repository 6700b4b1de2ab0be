/**
 * The coordinator. It knows no agent addresses: it plans over the skills of whatever agents the registry lists.
 * - A balance question ("Is Terran too strong?", "테란 너무 사기 아니에요?") runs a fan-out: win rates from the
 *   data agent and complaints / sentiment from the feedback agent, in parallel; then, only if the numbers point
 *   to an imbalance, a second parallel round digs into top issues and the matchup matrix; then it writes an
 *   answer that cites the numbers and the complaints.
 * - Anything else goes to the best-matching skill in the mesh (with INPUT_REQUIRED for missing arguments).
 * Progress streams as WORKING status updates; the final artifact carries a trace of every downstream call.
 */
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import type { AgentDirectory } from '../../src/binding/index.js';
import {
  DeterministicPlanner,
  MeshCaller,
  PENDING_KIND,
  TaskStates,
  artifactEvent,
  askEvent,
  dataOf,
  dataPart,
  isKorean,
  langOf,
  meshTools,
  racesIn,
  statusEvent,
  taskEvent,
  textOf,
  textPart,
  type PendingCall,
  type Planner,
  type SkillCallResult,
} from '../../src/agent-kit/index.js';
import { RACE_KO, type Race } from '../../src/mcp/index.js';
import { verdictOf, writeAnswer, formatSkillResult, type Complaints, type Evidence, type Issues, type Sentiment, type WinRate } from './answer.js';

export const TRACE_KIND = 'kamf.trace';
const BALANCE = '__balance__';
const BALANCE_RE = /too strong|too weak|overpowered|\bop\b|imbalanc|unbalanc|balanced|너무 ?(세|강)|사기|밸런스|op야|너프/i;

export interface TraceEntry {
  agent: string;
  skill: string;
  args: Record<string, unknown>;
  startedAt: number;
  endedAt: number;
  state: number;
  /** How the call went out: straight to the agent (default) or as part of one request fanned out by the router. */
  via?: 'router fan-out';
}

export class BalanceCoordinator implements AgentExecutor {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly directory: AgentDirectory,
    private readonly caller: MeshCaller,
    private readonly selfName: string,
    private readonly planner: Planner = new DeterministicPlanner(),
    /** Send round 1's data + feedback pair as ONE request through the router (fan-out), gathering both answers. */
    private readonly fanOutViaRouter = false,
  ) {}

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const abort = new AbortController();
    this.running.set(ctx.taskId, abort);
    const trace: TraceEntry[] = [];
    try {
      bus.publish(taskEvent(ctx));
      await this.run(ctx, bus, abort.signal, trace);
    } catch (err) {
      bus.publish(statusEvent(ctx, abort.signal.aborted ? TaskStates.canceled : TaskStates.failed, abort.signal.aborted ? 'canceled' : `failed: ${(err as Error).message}`));
    } finally {
      this.running.delete(ctx.taskId);
      bus.finished();
    }
  }

  async cancelTask(taskId: string): Promise<void> {
    this.running.get(taskId)?.abort();
  }

  private async call(ctx: RequestContext, bus: ExecutionEventBus, trace: TraceEntry[], toolId: string, args: Record<string, unknown>, signal: AbortSignal, lang: 'en' | 'ko'): Promise<SkillCallResult> {
    const [agent, skill] = toolId.split('/');
    bus.publish(statusEvent(ctx, TaskStates.working, lang === 'ko' ? `${agent} 에이전트에 ${skill} 요청 중...` : `asking ${agent} (${skill})...`));
    const r = await this.caller.call(toolId, args, { signal, parent: ctx });
    trace.push({ agent: r.agent, skill: r.skill, args, startedAt: r.startedAt, endedAt: r.endedAt, state: r.state });
    return r;
  }

  private tool(skill: string): string | undefined {
    return meshTools(this.directory.list(), [this.selfName]).find((t) => t.name === skill)?.id;
  }

  private async run(ctx: RequestContext, bus: ExecutionEventBus, signal: AbortSignal, trace: TraceEntry[]): Promise<void> {
    const text = textOf(ctx.userMessage);
    const firstText = textOf(ctx.task?.history?.find((m) => m.role === 1));
    const lang = langOf(isKorean(text) ? text : firstText || text);
    const pending = ctx.task?.status?.state === TaskStates.inputRequired ? dataOf<PendingCall>(ctx.task.status.message, PENDING_KIND)[0] : undefined;

    if (pending?.tool === BALANCE || (!pending && BALANCE_RE.test(text))) {
      const race = racesIn(text)[0];
      if (!race) return this.ask(ctx, bus, lang === 'ko' ? '어느 종족에 대해 물어보시는 건가요? (테란, 저그, 프로토스)' : 'Which race do you mean? (Terran, Zerg, Protoss)', { tool: BALANCE, args: {}, missing: ['race'] });
      return this.balance(ctx, bus, race, lang, signal, trace);
    }

    const tools = meshTools(this.directory.list(), [this.selfName]);
    const plan = await this.planner.plan({ text, tools, lang, ...(pending ? { pending } : {}) }, signal);
    switch (plan.kind) {
      case 'ask':
        return this.ask(ctx, bus, plan.question, plan.pending);
      case 'reply':
        bus.publish(statusEvent(ctx, TaskStates.completed, plan.text));
        return;
      case 'none': {
        const skills = tools.map((t) => t.id).join(', ') || (lang === 'ko' ? '(등록된 에이전트 없음)' : '(no agents registered)');
        bus.publish(statusEvent(ctx, TaskStates.rejected, lang === 'ko' ? `답할 수 있는 에이전트를 찾지 못했습니다. 가능한 기능: ${skills}` : `No agent in the mesh can answer that. Available skills: ${skills}`));
        return;
      }
      case 'call': {
        const results = await Promise.all(plan.calls.map((c) => this.call(ctx, bus, trace, c.tool, c.args, signal, lang)));
        const asked = results.find((r) => r.state === TaskStates.inputRequired);
        if (asked) return this.ask(ctx, bus, asked.question ?? '?', { tool: `${asked.agent}/${asked.skill}`, args: asked.args, missing: [] });
        const failed = results.find((r) => r.state !== TaskStates.completed);
        const answer = results.map((r) => formatSkillResult(r.skill, r.results[0]?.result, lang, r.text)).join('\n');
        return this.finish(ctx, bus, failed ? TaskStates.failed : TaskStates.completed, failed ? `${failed.agent}: ${failed.text}` : answer, trace, results);
      }
    }
  }

  private ask(ctx: RequestContext, bus: ExecutionEventBus, question: string, pending: PendingCall): void {
    bus.publish(askEvent(ctx, question, pending));
  }

  private finish(ctx: RequestContext, bus: ExecutionEventBus, state: number, answer: string, trace: TraceEntry[], results: SkillCallResult[]): void {
    bus.publish(
      artifactEvent(ctx, {
        artifactId: 'answer',
        name: 'answer',
        parts: [
          textPart(answer),
          dataPart({ kind: TRACE_KIND, calls: trace }),
          ...results.map((r) => dataPart({ kind: 'kamf.evidence', agent: r.agent, skill: r.skill, args: r.args, results: r.results })),
        ],
      }),
    );
    bus.publish(statusEvent(ctx, state as never, answer));
  }

  private async balance(ctx: RequestContext, bus: ExecutionEventBus, race: Race, lang: 'en' | 'ko', signal: AbortSignal, trace: TraceEntry[]): Promise<void> {
    const need = (skill: string) => {
      const id = this.tool(skill);
      if (!id) throw new Error(`no agent in the registry offers the ${skill} skill`);
      return id;
    };
    const optional = (skill: string) => this.tool(skill);
    bus.publish(statusEvent(ctx, TaskStates.working, lang === 'ko' ? `${RACE_KO[race]} 밸런스를 확인합니다: 데이터와 고객 의견을 동시에 조회합니다.` : `Checking ${race}: asking for game data and player feedback in parallel.`));

    // round 1, fan-out: numbers and feedback at the same time
    const complaintsTool = optional('search_complaints');
    const sentimentTool = optional('sentiment_summary');
    const latestArgs = { race, patch: 'latest' };
    const complaintArgs = { race, topic: 'balance', patch: 'latest', limit: 3 };
    const pair = async (): Promise<[SkillCallResult, SkillCallResult | undefined]> => {
      const winRate = need('win_rate');
      if (!this.fanOutViaRouter || !complaintsTool || winRate.split('/')[0] === complaintsTool.split('/')[0]) {
        return Promise.all([
          this.call(ctx, bus, trace, winRate, latestArgs, signal, lang),
          complaintsTool ? this.call(ctx, bus, trace, complaintsTool, complaintArgs, signal, lang) : undefined,
        ]);
      }
      // one request, two agents: the router copies it to both, and both answers come back to us
      bus.publish(statusEvent(ctx, TaskStates.working, lang === 'ko' ? `라우터를 통해 ${winRate.split('/')[0]}, ${complaintsTool.split('/')[0]} 에이전트에 동시에 요청 중...` : `asking ${winRate.split('/')[0]} and ${complaintsTool.split('/')[0]} with one fanned-out request...`));
      const [a, b] = await this.caller.fanOut([{ toolId: winRate, args: latestArgs }, { toolId: complaintsTool, args: complaintArgs }], { signal, parent: ctx });
      for (const r of [a!, b!]) trace.push({ agent: r.agent, skill: r.skill, args: r.args, startedAt: r.startedAt, endedAt: r.endedAt, state: r.state, via: 'router fan-out' });
      return [a!, b];
    };
    const [[latest, complaints], overall, sentiment] = await Promise.all([
      pair(),
      this.call(ctx, bus, trace, need('win_rate'), { race }, signal, lang),
      sentimentTool ? this.call(ctx, bus, trace, sentimentTool, { race, patch: 'latest' }, signal, lang) : undefined,
    ]);
    const result = <T>(r: SkillCallResult | undefined) => r?.results[0]?.result as T | undefined;
    const evidence: Evidence = {
      race,
      latest: result<WinRate>(latest)!,
      overall: result<WinRate>(overall)!,
      ...(result<Complaints>(complaints) ? { complaints: result<Complaints>(complaints)! } : {}),
      ...(result<Sentiment>(sentiment) ? { sentiment: result<Sentiment>(sentiment)! } : {}),
    };
    if (!evidence.latest || !evidence.overall) throw new Error(`the data agent returned no win rate (${latest.text || overall.text})`);

    // round 2, conditional: only when the numbers say "imbalanced" is it worth asking what players complain about most
    const issuesTool = optional('top_issues');
    const extra = [latest, overall, complaints, sentiment].filter((r): r is SkillCallResult => !!r);
    if (verdictOf(evidence.latest) !== 'balanced' && issuesTool) {
      const issues = await this.call(ctx, bus, trace, issuesTool, { race, patch: 'latest', limit: 3 }, signal, lang);
      const i = result<Issues>(issues);
      if (i) evidence.issues = i;
      extra.push(issues);
    }
    this.finish(ctx, bus, TaskStates.completed, writeAnswer(evidence, lang), trace, extra);
  }
}
