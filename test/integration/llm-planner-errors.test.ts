/**
 * The LLM planner's failures carry their own codes: LLM_REQUEST_FAILED when the endpoint cannot be used,
 * LLM_BAD_RESPONSE when its answer is unusable; CONFIG_INVALID stays for missing settings. A local HTTP server
 * plays the endpoint (no Kafka needed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKamfError, type KamfError } from '../../src/core/errors.js';
import { LlmPlanner, llmPlannerFromEnv } from '../../src/agent-kit/planner/llm.js';
import type { PlanInput } from '../../src/agent-kit/planner/types.js';
import { freePort } from '../../src/infra/ports.js';

let reply: (res: import('node:http').ServerResponse) => void = (res) => res.end();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => reply(res));
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const input: PlanInput = {
  text: 'How is Terran doing?',
  lang: 'en',
  tools: [{ id: 'stats/win_rate', name: 'win_rate', description: 'win rate', examples: [], inputSchema: { type: 'object' } }],
};

async function planError(planner: LlmPlanner, signal?: AbortSignal): Promise<KamfError> {
  const err = await planner.plan(input, signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  return err as KamfError;
}

const json =
  (body: unknown, status = 200) =>
  (res: import('node:http').ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

describe('LLM planner errors', () => {
  it('missing model is CONFIG_INVALID with a hint', () => {
    let err: unknown;
    try {
      llmPlannerFromEnv({ KAMF_LLM_URL: url });
    } catch (e) {
      err = e;
    }
    expect(isKamfError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as KamfError).hint).toMatch(/KAMF_LLM_MODEL/);
  });

  it('an HTTP error status is LLM_REQUEST_FAILED with the status, and a hint for 401', async () => {
    reply = json({ error: 'nope' }, 500);
    const e500 = await planError(new LlmPlanner({ url, model: 'm' }));
    expect(isKamfError(e500, 'LLM_REQUEST_FAILED')).toBe(true);
    expect(e500.details).toMatchObject({ status: 500, model: 'm' });
    expect(e500.message).toContain('answered 500');
    reply = json({ error: 'bad key' }, 401);
    const e401 = await planError(new LlmPlanner({ url, model: 'm' }));
    expect(e401.hint).toMatch(/KAMF_LLM_API_KEY/);
  });

  it('an endpoint that is not there is LLM_REQUEST_FAILED naming the reason', async () => {
    const err = await planError(new LlmPlanner({ url: `http://127.0.0.1:${await freePort()}/v1`, model: 'm' }));
    expect(isKamfError(err, 'LLM_REQUEST_FAILED')).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.hint).toMatch(/KAMF_LLM_URL/);
  });

  it('a slow endpoint is LLM_REQUEST_FAILED after the timeout; the caller cancelling stays a cancel', async () => {
    reply = () => {}; // never answers
    const slow = await planError(new LlmPlanner({ url, model: 'm', timeoutMs: 200 }));
    expect(isKamfError(slow, 'LLM_REQUEST_FAILED')).toBe(true);
    expect(slow.message).toMatch(/did not answer within 200 ms/);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const cancelled = await planError(new LlmPlanner({ url, model: 'm', timeoutMs: 5000 }), abort.signal);
    expect(isKamfError(cancelled)).toBe(false);
    expect((cancelled as Error).name).toBe('AbortError');
  });

  it('unusable answers are LLM_BAD_RESPONSE', async () => {
    const planner = new LlmPlanner({ url, model: 'm' });
    reply = json('not json');
    expect((await planError(planner)).code).toBe('LLM_BAD_RESPONSE');
    reply = json({ choices: [] });
    expect((await planError(planner)).code).toBe('LLM_BAD_RESPONSE');
    const call = (name: string, args: string) => ({
      choices: [
        { message: { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name, arguments: args } }] } },
      ],
    });
    reply = json(call('nuke', '{}'));
    expect(await planError(planner)).toMatchObject({ code: 'LLM_BAD_RESPONSE', details: { tool: 'nuke' } });
    reply = json(call('win_rate', '{oops'));
    expect((await planError(planner)).code).toBe('LLM_BAD_RESPONSE');
    reply = json(call('win_rate', '{"race":"Terran"}'));
    expect(await planner.plan(input)).toEqual({
      kind: 'call',
      calls: [{ tool: 'stats/win_rate', args: { race: 'Terran' } }],
      mode: 'parallel',
    });
  });
});
