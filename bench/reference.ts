/**
 * The path users see first, on a warm mesh: `kamf start` runs the reference mesh (as users run it, from dist/), then
 * the reference question is asked over and over, timed two ways: from a client already connected (the mesh's own
 * answer time, first event and last), and as whole `kamf ask` processes (what a user waits for). Absolute times.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Message } from '@a2a-js/sdk';
import { AgentDirectory, KafkaClientRuntime, connectMesh } from '../src/binding/index.js';
import type { KamfConfig } from '../src/core/config.js';
import { resolveEndpoints } from '../src/core/kafka.js';
import { pkgPath } from '../src/core/paths.js';
import type { Target } from './a2a/summary.js';
import { summarize, type BenchResult } from './stats.js';

const QUESTION = 'Is Zerg too weak?';

export async function referenceBenchmark(config: KamfConfig, runs: number): Promise<{ results: BenchResult[]; targets: Target[] }> {
  const e = resolveEndpoints(config);
  const env = { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl, KAMF_LOG_LEVEL: 'nothing' };
  const kamf = pkgPath('bin', 'kamf.js');
  const mesh = spawn(process.execPath, [kamf, 'start', '--no-question'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('Press Ctrl-C')) resolve();
      };
      mesh.stdout.on('data', onData);
      mesh.stderr.on('data', onData);
      mesh.once('exit', (code) => reject(new Error(`kamf start exited with ${code}: ${out.slice(-2000)}`)));
    });

    // the mesh's own time: a connected client, first event and full answer of a streamed SendMessage
    const conn = connectMesh(config);
    const directory = new AgentDirectory({ connection: { kafka: conn.kafka, codec: conn.codec }, logger: { warn: () => {} } });
    await directory.start();
    const rt = await KafkaClientRuntime.start(conn.kafka, conn.codec, { timeoutMs: 60_000 });
    const { card } = await directory.waitFor('balance', { timeoutMs: 30_000 });
    const client = await rt.clientFactory().createFromAgentCard(card);
    const first: number[] = [];
    const answer: number[] = [];
    const progressSpread: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const message: Message = { messageId: randomUUID(), contextId: '', taskId: '', role: 1, parts: [{ content: { $case: 'text', value: QUESTION }, mediaType: 'text/plain', filename: '', metadata: undefined }], metadata: undefined, extensions: [], referenceTaskIds: [] };
      const t0 = performance.now();
      const at: number[] = [];
      for await (const _ of client.sendMessageStream({ tenant: '', message, configuration: undefined, metadata: undefined })) at.push(performance.now() - t0);
      if (i < 2) continue; // warm-up
      first.push(at[0]!);
      answer.push(at[at.length - 1]!);
      progressSpread.push(at[at.length - 1]! - at[0]!);
    }
    await rt.close();
    await directory.stop();

    // what a user waits for: whole `kamf ask` processes
    const asks: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [kamf, 'ask', QUESTION], { env, encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`kamf ask failed: ${r.stderr}`);
      asks.push(performance.now() - t0);
    }
    const results = [
      summarize('reference question: first event, connected client', first, first.reduce((a, b) => a + b, 0) / 1000, `${runs} runs after 2 warm-up`),
      summarize('reference question: full answer, connected client', answer, answer.reduce((a, b) => a + b, 0) / 1000, `${runs} runs after 2 warm-up`),
      summarize('reference question: first to last event', progressSpread, 1, 'how long progress streams before the answer'),
      summarize('reference question: `kamf ask` whole process', asks, asks.reduce((a, b) => a + b, 0) / 1000, `${runs} runs`),
    ];
    const p50 = (r: BenchResult) => r.p50Ms!;
    return {
      results,
      targets: [
        { measure: 'reference question answered on a warm mesh, server side (p50, absolute)', target: '≤ 300 ms', measured: `${p50(results[1]!).toFixed(0)} ms`, met: p50(results[1]!) <= 300, note: `first event at ${p50(results[0]!).toFixed(0)} ms, progress spread over ${p50(results[2]!).toFixed(0)} ms` },
        { measure: '`kamf ask` end to end on a warm mesh (p50, absolute)', target: '≤ 1000 ms', measured: `${p50(results[3]!).toFixed(0)} ms`, met: p50(results[3]!) <= 1000, note: 'a whole process: Node start, imports, reply inbox (topic + group join), the answer, close' },
      ],
    };
  } finally {
    mesh.kill('SIGINT');
    await new Promise((r) => (mesh.exitCode !== null ? r(null) : mesh.once('exit', r)));
  }
}
