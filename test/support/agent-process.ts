/** Runnable agents as real child processes (so a test can kill -9 one), on the run's shared broker and registry. */
import { spawn, type ChildProcess } from 'node:child_process';
import { pkgPath } from '../../src/core/paths.js';
import { testEndpoints } from './infra.js';

export interface AgentProcess {
  child: ChildProcess;
  instanceId: string;
  output: () => string;
  exited: Promise<number | null>;
}

export async function spawnAgent(script: 'echo' | 'slow', env: Record<string, string>, readyTimeoutMs = 60_000, nodeArgs: string[] = []): Promise<AgentProcess> {
  const e = testEndpoints();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', pkgPath('agents', script, 'main.ts')], {
    env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + readyTimeoutMs;
  let instanceId: string | undefined;
  while (!instanceId) {
    instanceId = /\(instance ([^)]+)\) serving/.exec(out)?.[1];
    if (child.exitCode !== null) throw new Error(`agent ${script} exited during start:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent ${script} not ready in ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, instanceId, output: () => out, exited };
}
