/**
 * Local Apache Flink for `kamf route --engine flink`, the same way as Kafka and the registry (src/infra/fetch.ts):
 * jars from Maven Central with Maven (infra/flink/pom.xml) into .infra/flink/libs-<version>, plus KAMF's launcher
 * (flink-sql/launcher/KamfFlinkLauncher.java) compiled with javac at first use into .infra/flink/launcher-<hash>
 * (a new hash when the source changes). The launcher runs each SQL file as one job on a local MiniCluster.
 */
import { runLines } from './process.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KamfError } from '../core/errors.js';
import { pkgPath } from '../core/paths.js';
import type { Progress } from './progress.js';
import { findJava, findMaven } from './tools.js';

export const FLINK_VERSION = '1.20.3';
export const FLINK_LAUNCHER_CLASS = 'KamfFlinkLauncher';

export interface FlinkRuntime {
  java: string;
  /** Classpath for `java -cp`: the jars and the compiled launcher. */
  classpath: string;
  /** JVM options from infra/flink/jvm.options (heap, Java 17 opens/exports). */
  jvmOptions: string[];
  log4jConfig: string;
}

/** The jars of the local runner: fetched once (with download progress), then reused. Returns the libs directory. */
export async function ensureFlinkLibs(cacheDir: string, progress: Progress): Promise<string> {
  const libs = join(cacheDir, 'flink', `libs-${FLINK_VERSION}`);
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
    throw new KamfError(
      'INFRA_FETCH_FAILED',
      `Could not fetch Flink ${FLINK_VERSION} from Maven Central.\n${(errors.length ? errors : tail.slice(-10)).join('\n')}\n` +
        'Check network access to Maven Central (or your settings.xml mirror), or run the SQL on a Flink cluster with --gateway.',
      { details: { tail }, hint: 'Check access to Maven Central (or your settings.xml mirror), or use a Flink cluster with --gateway.' },
    );
  }
  writeFileSync(join(libs, '.complete'), new Date().toISOString());
  return libs;
}

/** Compiles the launcher against the jars if this version of its source was not compiled yet. Returns the class dir. */
export async function ensureLauncher(cacheDir: string, libs: string, java: string, progress: Progress): Promise<string> {
  const source = pkgPath('flink-sql', 'launcher', `${FLINK_LAUNCHER_CLASS}.java`);
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const out = join(cacheDir, 'flink', `launcher-${hash}`);
  if (existsSync(join(out, `${FLINK_LAUNCHER_CLASS}.class`))) return out;
  mkdirSync(out, { recursive: true });
  const javac = [join(dirname(java), 'javac'), 'javac'].find((j) => j === 'javac' || existsSync(j))!;
  progress({ service: 'flink', phase: 'info', message: `compiling ${source}` });
  const { code, tail } = await runLines(javac, ['-d', out, '-cp', join(libs, '*'), source]);
  if (code !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new KamfError('INFRA_MISSING_TOOL', `Could not compile the Flink launcher with ${javac} (a JDK, not a JRE, is needed):\n${tail.slice(-15).join('\n')}`, {
      details: { tool: 'javac' },
      hint: 'Point KAMF_JAVA_HOME at a full JDK 17+ (one that has javac).',
    });
  }
  return out;
}

export function flinkJvmOptions(): string[] {
  return readFileSync(pkgPath('infra', 'flink', 'jvm.options'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Everything needed to start the launcher: fetches and compiles on first use. */
export async function ensureFlinkRuntime(cacheDir: string, progress: Progress, javaHome?: string): Promise<FlinkRuntime> {
  const java = await findJava(17, javaHome);
  const libs = await ensureFlinkLibs(cacheDir, progress);
  const launcher = await ensureLauncher(cacheDir, libs, java.bin, progress);
  return {
    java: java.bin,
    classpath: `${join(libs, '*')}:${launcher}`,
    jvmOptions: flinkJvmOptions(),
    log4jConfig: pkgPath('infra', 'flink', 'log4j2.properties'),
  };
}
