/**
 * Apache Flink for KAMF, fetched the same way as Kafka and the registry (src/infra/fetch.ts): the jars of a
 * session cluster (JobManager, TaskManager, SQL Gateway, SQL Client) from Maven Central with Maven
 * (infra/flink/pom.xml) into .infra/flink/libs-<version>-<hash of the pom>, so a changed pom fetches afresh.
 * src/infra/flink-cluster.ts starts the cluster from them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KamfError } from '../core/errors.js';
import { pkgPath } from '../core/paths.js';
import { runLines } from './process.js';
import type { Progress } from './progress.js';
import { findJava, findMaven } from './tools.js';

export const FLINK_VERSION = '1.20.3';

/** The libs directory for the current pom. */
export function flinkLibsDir(cacheDir: string): string {
  const hash = createHash('sha256').update(readFileSync(pkgPath('infra', 'flink', 'pom.xml'))).digest('hex').slice(0, 8);
  return join(cacheDir, 'flink', `libs-${FLINK_VERSION}-${hash}`);
}

/** The jars of the session cluster: fetched once (with download progress), then reused. Returns the libs directory. */
export async function ensureFlinkLibs(cacheDir: string, progress: Progress): Promise<string> {
  const libs = flinkLibsDir(cacheDir);
  if (existsSync(join(libs, '.complete'))) return libs;
  progress({ service: 'flink', phase: 'download', message: `fetching Flink ${FLINK_VERSION} jars (about 160 MB) with Maven into ${libs}` });
  rmSync(libs, { recursive: true, force: true });
  let count = 0;
  const mvn = await findMaven();
  const { code, tail } = await runLines(
    mvn,
    ['-B', '-f', pkgPath('infra', 'flink', 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libs}`],
    (line) => {
      const m = /Downloaded from [^:]+: (\S+) \(([^)]*)\)/.exec(line);
      if (m?.[1]) progress({ service: 'flink', phase: 'download', message: `${++count} files, last ${m[1].split('/').pop()} (${m[2]})` });
    },
  );
  if (code !== 0) {
    const errors = tail.filter((l) => l.startsWith('[ERROR]')).slice(0, 5);
    throw new KamfError('INFRA_FETCH_FAILED', `Could not fetch Flink ${FLINK_VERSION} from Maven Central.\n${(errors.length ? errors : tail.slice(-10)).join('\n')}`, {
      details: { tail },
      hint: 'Check access to Maven Central (or your settings.xml mirror), or use a Flink cluster with --gateway.',
    });
  }
  writeFileSync(join(libs, '.complete'), new Date().toISOString());
  return libs;
}

/** Flink's Java 17 --add-opens/--add-exports list (infra/flink/jvm.options), without heap settings. */
export function flinkJvmOptions(): string[] {
  return readFileSync(pkgPath('infra', 'flink', 'jvm.options'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l && !l.startsWith('-Xmx') && !l.startsWith('-Xms'));
}

/** How to run a Flink program (the SQL Client) from the fetched jars: `java <args> <program arguments>`. */
export async function flinkJavaCommand(
  cacheDir: string,
  mainClass: string,
  opts: { progress: Progress; javaHome?: string; heap?: string; logFile: string; tmpDir: string },
): Promise<{ java: string; args: string[] }> {
  const java = (await findJava(17, opts.javaHome)).bin;
  const libs = await ensureFlinkLibs(cacheDir, opts.progress);
  return {
    java,
    args: [
      `-Xmx${opts.heap ?? '256m'}`,
      '-XX:+UseSerialGC',
      ...flinkJvmOptions(),
      `-Dlog.file=${opts.logFile}`,
      `-Dlog4j.configurationFile=${pkgPath('infra', 'flink', 'log4j2.properties')}`,
      `-Djava.io.tmpdir=${opts.tmpDir}`,
      '-cp',
      join(libs, '*'),
      mainClass,
    ],
  };
}
