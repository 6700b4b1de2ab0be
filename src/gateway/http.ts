/**
 * The gateway's HTTP side: one Express app serving every agent of the registry under `/agents/<name>/`
 * (`/.well-known/agent-card.json`, `/jsonrpc`, `/rest`), the default agent also at the root, and the list of agents
 * at `/.well-known/agents`. The SDK's own JSON-RPC and HTTP+JSON handlers do the protocol work; their request
 * handler is the Kafka relay of the agent (relay.ts).
 */
import { createHash } from 'node:crypto';
import { AgentCard } from '@a2a-js/sdk';
import { defaultServerCallContextBuilder, type ServerCallContextBuilder } from '@a2a-js/sdk/server';
import { UserBuilder, jsonRpcHandler, restHandler } from '@a2a-js/sdk/server/express';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { AgentTable } from './agents.js';
import { agentBasePath } from './card.js';
import { bodyParser, restContentType, restJsonResponses, streamSlotGuard } from './edge.js';
import { KafkaRelay, type RelayDeps } from './relay.js';
import { STATE_SCOPE_KEY, callScope, scopesByHeaders } from './scope.js';
import type { StreamSlots } from './slots.js';

/** Puts the call scope where the relay finds it (ServerCallContext.state). */
export const contextBuilder: ServerCallContextBuilder = (options) => {
  const context = defaultServerCallContextBuilder(options);
  const scope = scopesByHeaders.get(options.headers) ?? callScope.getStore();
  if (scope) context.state.set(STATE_SCOPE_KEY, scope);
  return context;
};

export interface HttpAppOptions {
  deps: RelayDeps;
  slots: StreamSlots;
  defaultAgent: string | undefined;
  /** Card cache lifetime, seconds. */
  cardMaxAge?: number;
}

export function createHttpApp(o: HttpAppOptions): Express {
  const { deps, slots } = o;
  const { agents, limits, stats } = deps;
  const routers = new Map<string, Router>();
  const routerFor = (name: string, atRoot: boolean): Router => {
    const key = `${atRoot ? 'root' : 'agent'}:${name}`;
    let r = routers.get(key);
    if (!r) routers.set(key, (r = agentRouter(name, atRoot)));
    return r;
  };

  function agentRouter(name: string, atRoot: boolean): Router {
    const r = express.Router();
    r.get('/.well-known/agent-card.json', cardHandler(new KafkaRelay(deps, name, 'rest', atRoot), agents, name, o.cardMaxAge ?? 60));
    const jsonRpcRelay = new KafkaRelay(deps, name, 'jsonrpc', atRoot);
    r.use('/jsonrpc', ...bodyParser('jsonrpc', limits, stats), streamSlotGuard('jsonrpc', slots, stats), jsonRpcHandler({ requestHandler: jsonRpcRelay, userBuilder: UserBuilder.noAuthentication, contextBuilder }));
    const restRelay = new KafkaRelay(deps, name, 'rest', atRoot);
    r.use('/rest', restJsonResponses, restContentType, ...bodyParser('rest', limits, stats), streamSlotGuard('rest', slots, stats), restHandler({ requestHandler: restRelay, userBuilder: UserBuilder.noAuthentication, contextBuilder }));
    return r;
  }

  const app = express();
  app.disable('x-powered-by');
  app.get('/.well-known/agents', (req, res) => {
    const base = `${deps.endpoints.http}`;
    res.json({
      agents: agents.list().map((a) => ({
        name: a.name,
        description: a.card.description,
        live: a.live,
        card: `${base}${agentBasePath(a.name, false)}/.well-known/agent-card.json`,
        skills: a.card.skills.map((s) => s.id),
      })),
      ...(o.defaultAgent ? { defaultAgent: o.defaultAgent } : {}),
    });
  });
  app.use('/agents/:name', ((req, res, next) => {
    const name = String(req.params.name);
    if (!agents.get(name)) return notFound(res, `no agent "${name}" in the registry`);
    routerFor(name, false)(req, res, next);
  }) as RequestHandler);
  if (o.defaultAgent) {
    const name = o.defaultAgent;
    app.use(((req, res, next) => {
      if (!agents.get(name)) return notFound(res, `the default agent "${name}" is not in the registry`);
      routerFor(name, true)(req, res, next);
    }) as RequestHandler);
  }
  app.use((req, res) => notFound(res, `nothing at ${req.method} ${req.path}`));
  return app;
}

/** RFC 9110 §13.1: If-None-Match decides when present (weak comparison), else If-Modified-Since. */
function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, etag: string, changedAt: number): boolean {
  const weak = (t: string) => t.trim().replace(/^W\//, '');
  if (ifNoneMatch) return ifNoneMatch.split(',').some((t) => t.trim() === '*' || weak(t) === weak(etag));
  const since = ifModifiedSince ? Date.parse(ifModifiedSince) : NaN;
  return !Number.isNaN(since) && changedAt <= since;
}

function notFound(res: express.Response, message: string): void {
  res.status(404).type('application/json').send(JSON.stringify({ error: { code: 404, status: 'NOT_FOUND', message, details: [] } }));
}

/** The card, with ETag, Last-Modified (when the agent's card last changed) and conditional GETs. */
function cardHandler(relay: KafkaRelay, agents: AgentTable, name: string, maxAge: number): RequestHandler {
  return async (req, res) => {
    const agent = agents.get(name);
    if (!agent) return notFound(res, `no agent "${name}" in the registry`);
    const body = JSON.stringify(AgentCard.toJSON(await relay.getAgentCard()));
    const etag = `W/"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', new Date(agent.changedAt).toUTCString());
    res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
    if (notModified(req.header('if-none-match'), req.header('if-modified-since'), etag, agent.changedAt)) return void res.status(304).end();
    res.setHeader('Content-Type', 'application/json');
    res.status(200).send(body);
  };
}
