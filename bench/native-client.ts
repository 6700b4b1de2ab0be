/**
 * Installs the librdkafka-based client the raw floor compares kafkajs with (bench/a2a/raw-native.ts) into
 * `bench/native-client/`, once, so KAMF's own install never carries a native build. Where its prebuilt binary cannot
 * be fetched it builds librdkafka from the sources in its package (about a minute on 2 cores), linked against what the
 * system has: without OpenSSL and SASL headers it lacks TLS and SCRAM, which the bench's local broker does not use.
 * `BENCH_NATIVE_CLIENT=0` skips it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NATIVE_CLIENT_DIR, loadNativeClient } from './a2a/raw-native.js';

export type NativeClientState = { version: string } | { skipped: string };

function npmCi(env: NodeJS.ProcessEnv): { ok: boolean; tail: string } {
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NATIVE_CLIENT_DIR, env, encoding: 'utf8' });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n');
  return { ok: r.status === 0, tail: out.filter((l) => /error|fail/i.test(l)).slice(-1)[0] ?? out.slice(-1)[0] ?? '' };
}

export function ensureNativeClient(log: (line: string) => void): NativeClientState {
  if (process.env.BENCH_NATIVE_CLIENT === '0') return { skipped: 'BENCH_NATIVE_CLIENT=0' };
  let loaded = loadNativeClient();
  if ('module' in loaded) return { version: loaded.version };
  if (!existsSync(`${NATIVE_CLIENT_DIR}/package-lock.json`)) return { skipped: 'bench/native-client has no lockfile' };
  log('installing @confluentinc/kafka-javascript into bench/native-client for the raw floor beside kafkajs (once)');
  let r = npmCi(process.env);
  if (!r.ok) {
    // the prebuilt binary comes from GitHub; without it the package's static build downloads its dependencies too
    log('no prebuilt binary: building librdkafka against the system libraries (about a minute)');
    r = npmCi({ ...process.env, CKJS_LINKING: 'dynamic' });
  }
  loaded = loadNativeClient();
  if ('module' in loaded) return { version: loaded.version };
  const why = r.ok ? loaded.reason : r.tail;
  log(`the native client is not installed (${why}): its raw floor is left out of this run`);
  return { skipped: `not installed: ${why}` };
}
