/**
 * Fetches the broker and registry from Maven Central with Maven (so a user's settings.xml mirrors and proxies
 * apply) into the cache under .infra/. A `.complete` marker makes a second run a no-op.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KamfError } from '../core/errors.js';
import { pkgPath } from '../core/paths.js';
import { findMaven } from './tools.js';
import { runLines } from './process.js';
import { APICURIO_ARTIFACT, APICURIO_VERSION, KAFKA_VERSION } from './versions.js';
import type { Progress } from './progress.js';

export interface Artifacts {
  kafkaClasspath: string;
  registryJar: string;
}

async function runMaven(args: string[], onLine: (line: string) => void): Promise<{ code: number; tail: string[] }> {
  return runLines(await findMaven(), ['-B', ...args], onLine);
}

function fail(what: string, tail: string[]): never {
  const errors = tail.filter((l) => l.startsWith('[ERROR]')).slice(0, 5);
  throw new KamfError(
    'INFRA_FETCH_FAILED',
    `Could not fetch ${what} from Maven Central.\n${(errors.length ? errors : tail.slice(-10)).join('\n')}\n` +
      'Check network access to Maven Central (or your settings.xml mirror), then run `kamf infra up` again.',
    { details: { tail }, hint: 'Check access to Maven Central (or the mirror in your settings.xml), then run `kamf infra up` again.' },
  );
}

/** Reports each artifact Maven finishes downloading. */
function mavenProgress(service: string, progress: Progress): (line: string) => void {
  let count = 0;
  return (line) => {
    const m = /^\[INFO\] Downloaded from [^:]+: (\S+) \(([^)]*)\)/.exec(line) ?? /^Downloaded from [^:]+: (\S+) \(([^)]*)\)/.exec(line);
    if (m && m[1]) {
      count++;
      const name = m[1].split('/').pop();
      progress({ service, phase: 'download', message: `${count} files, last ${name} (${m[2]})` });
    }
  };
}

async function ensureKafka(cache: string, progress: Progress): Promise<string> {
  const libs = join(cache, 'kafka', `libs-${KAFKA_VERSION}`);
  const marker = join(libs, '.complete');
  if (!existsSync(marker)) {
    progress({ service: 'kafka', phase: 'download', message: `fetching Kafka ${KAFKA_VERSION} jars with Maven` });
    rmSync(libs, { recursive: true, force: true });
    const { code, tail } = await runMaven(
      ['-f', pkgPath('infra', 'kafka', 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libs}`],
      mavenProgress('kafka', progress),
    );
    if (code !== 0) fail(`Kafka ${KAFKA_VERSION}`, tail);
    writeFileSync(marker, new Date().toISOString());
  }
  return join(libs, '*');
}

function m2Dir(): string {
  return join(homedir(), '.m2', 'repository', 'io', 'apicurio', 'apicurio-registry-app', APICURIO_VERSION);
}

/** Maven prints nothing while a large file downloads in batch mode, so watch the partial file grow. */
function watchDownload(progress: Progress): () => void {
  const timer = setInterval(() => {
    try {
      const dir = m2Dir();
      const sizes = readdirSync(dir).map((f) => statSync(join(dir, f)).size);
      const mb = Math.max(0, ...sizes) / 1048576;
      if (mb > 0) progress({ service: 'registry', phase: 'download', message: `apicurio-registry-app ${mb.toFixed(0)} MB so far` });
    } catch {
      // directory not there yet
    }
  }, 2000);
  return () => clearInterval(timer);
}

function untar(archive: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-xzf', archive, '-C', into], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const failed = (why: string, cause?: unknown) =>
      new KamfError('INFRA_FETCH_FAILED', `Could not unpack ${archive}: ${why}`, {
        details: { archive },
        hint: 'Check that `tar` is installed and the disk has room, then run `kamf infra up` again.',
        ...(cause === undefined ? {} : { cause }),
      });
    child.on('error', (cause) => reject(failed(cause.message, cause)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(failed(`tar exited with ${code}: ${err.trim()}`))));
  });
}

async function ensureRegistry(cache: string, progress: Progress): Promise<string> {
  const home = join(cache, 'registry', `apicurio-${APICURIO_VERSION}`);
  const marker = join(home, '.complete');
  const jar = join(home, `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`);
  if (!existsSync(marker)) {
    progress({ service: 'registry', phase: 'download', message: `fetching Apicurio Registry ${APICURIO_VERSION} (about 105 MB) with Maven` });
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { recursive: true });
    const stop = watchDownload(progress);
    // dependency:copy of a single artifact: the app's parent pom is not published, so no transitive resolution
    const { code, tail } = await runMaven(
      ['dependency:copy', `-Dartifact=${APICURIO_ARTIFACT}`, `-DoutputDirectory=${home}`],
      mavenProgress('registry', progress),
    ).finally(stop);
    if (code !== 0) fail(`Apicurio Registry ${APICURIO_VERSION}`, tail);
    const archive = join(home, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`);
    progress({ service: 'registry', phase: 'download', message: 'unpacking' });
    await untar(archive, home);
    rmSync(archive);
    if (!existsSync(jar)) {
      throw new KamfError('INFRA_FETCH_FAILED', `Unpacked Apicurio archive has no ${jar}`, {
        details: { jar },
        hint: 'Run `kamf infra up` again to fetch it afresh.',
      });
    }
    writeFileSync(marker, new Date().toISOString());
  }
  return jar;
}

export async function ensureArtifacts(cache: string, progress: Progress, which: { kafka: boolean; registry: boolean }): Promise<Partial<Artifacts>> {
  mkdirSync(cache, { recursive: true });
  // sequential: two Maven processes would fight over the local repository on a cold cache
  const kafkaClasspath = which.kafka ? await ensureKafka(cache, progress) : undefined;
  const registryJar = which.registry ? await ensureRegistry(cache, progress) : undefined;
  return { ...(kafkaClasspath ? { kafkaClasspath } : {}), ...(registryJar ? { registryJar } : {}) };
}

export function cachedVersionNote(cache: string): string {
  const k = join(cache, 'kafka', `libs-${KAFKA_VERSION}`, '.complete');
  const r = join(cache, 'registry', `apicurio-${APICURIO_VERSION}`, '.complete');
  const when = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : 'not fetched');
  return `kafka ${KAFKA_VERSION}: ${when(k)}; apicurio ${APICURIO_VERSION}: ${when(r)}`;
}
