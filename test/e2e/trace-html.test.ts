/**
 * The trace HTML report in a real browser: a multi-turn conversation with the echo agent is traced, rendered to a
 * self-contained file, opened in headless Chromium (playwright-core), and its SVG timeline must show one visible
 * bar per hop. A screenshot goes to test-artifacts/trace.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Message, Task } from '@a2a-js/sdk';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EchoExecutor } from '../../agents/echo/executor.js';
import { textPart } from '../../src/agent-kit/events.js';
import { KafkaClientRuntime } from '../../src/binding/client/runtime.js';
import { connectMesh, type MeshConnection } from '../../src/binding/mesh.js';
import { serveAgent, type RunningAgent } from '../../src/binding/serve.js';
import { pkgPath } from '../../src/core/paths.js';
import { agentRequestTopic } from '../../src/core/topics.js';
import { renderTraceHtml, runTrace, type Trace } from '../../src/replay/index.js';
import { testConfig } from '../support/infra.js';

const suffix = randomUUID().slice(0, 6);
const topics = { tasks: `a2a.tasks.th${suffix}`, dlq: `a2a.dlq.th${suffix}`, registry: `agent.registry.th${suffix}` };
const name = `echo-th${suffix}`;
let mesh: MeshConnection;
let agent: RunningAgent;
let rt: KafkaClientRuntime;
let trace: Trace;

const message = (text: string, extra: Partial<Message> = {}): Message => ({
  messageId: randomUUID(),
  contextId: '',
  taskId: '',
  role: 1,
  parts: [textPart(text)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
  ...extra,
});

beforeAll(async () => {
  const config = testConfig();
  mesh = connectMesh(config);
  agent = await serveAgent({
    config,
    mesh,
    name,
    description: 'echo',
    skills: [{ id: 'greet', name: 'Greet', description: 'greets' }],
    executor: new EchoExecutor(),
    partitions: 1,
    topics,
  });
  rt = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: 15_000 });
  const client = await rt.clientFactory().createFromAgentCard(agent.card);
  const send = (m: Message) =>
    client.sendMessage({ tenant: '', message: m, configuration: undefined, metadata: undefined }) as Promise<Task>;
  const first = await send(message('greet'));
  await send(message('Ada', { contextId: first.contextId, taskId: first.id }));
  trace = await runTrace({
    kafka: mesh.kafka,
    codec: mesh.codec,
    id: first.contextId,
    topics: [agentRequestTopic(name), rt.inbox.topic, topics.tasks],
  });
});

afterAll(async () => {
  await rt?.close();
  await agent?.stop(2000);
});

it('the trace HTML report renders in headless Chromium with one timeline bar per hop', async () => {
  expect(trace.hops.length).toBeGreaterThan(3);
  const dir = pkgPath('test-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/trace.html`;
  const html = renderTraceHtml(trace);
  expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // self-contained
  writeFileSync(file, html);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    const svg = page.locator('svg.timeline');
    await expect.poll(() => svg.isVisible()).toBe(true);
    const bars = page.locator('svg.timeline rect.hop');
    expect(await bars.count()).toBe(trace.hops.length);
    const boxes = await bars.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })));
    for (const b of boxes) {
      expect(b.w).toBeGreaterThan(0);
      expect(b.h).toBeGreaterThan(0);
    }
    const latencies = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-latency'))));
    expect(latencies.reduce((a, b) => a + b, 0)).toBe(trace.totalMs);
    await page.screenshot({ path: `${dir}/trace.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});
