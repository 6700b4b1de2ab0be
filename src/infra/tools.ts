/** Finding the JDK and Maven the local stack needs, with errors that say what to do instead. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KamfError } from '../core/errors.js';

const run = promisify(execFile);

export const DOCKER_HINT =
  'Alternatively run the stack with Docker: `docker compose up -d`, then ' +
  'KAFKA_BROKERS=127.0.0.1:9092 SCHEMA_REGISTRY_URL=http://127.0.0.1:8080/apis/ccompat/v7 (KAMF then starts nothing locally).';

export interface JavaInfo {
  bin: string;
  major: number;
}

function javaCandidates(javaHome?: string): string[] {
  const homes = [javaHome, process.env.KAMF_JAVA_HOME, process.env.JAVA_HOME].filter((h): h is string => !!h);
  return [...homes.map((h) => join(h, 'bin', 'java')), 'java'];
}

export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 ? Number(m[2]) : first; // "1.8.0" style means Java 8
}

export async function findJava(minMajor: number, javaHome?: string): Promise<JavaInfo> {
  const seen: string[] = [];
  for (const bin of javaCandidates(javaHome)) {
    if (bin !== 'java' && !existsSync(bin)) continue;
    try {
      const { stderr, stdout } = await run(bin, ['-version']);
      const major = parseJavaMajor(stderr + stdout);
      if (major !== undefined && major >= minMajor) return { bin, major };
      seen.push(`${bin} (Java ${major ?? '?'})`);
    } catch {
      // not runnable: try the next candidate
    }
  }
  throw new KamfError(
    'INFRA_MISSING_TOOL',
    `Java ${minMajor}+ is needed to run the local Kafka and schema registry, but ` +
      (seen.length ? `only found ${seen.join(', ')}.` : 'no `java` was found on PATH, JAVA_HOME or KAMF_JAVA_HOME.') +
      ` Install a JDK ${minMajor}+ (e.g. \`apt-get install openjdk-17-jdk-headless\`) or set KAMF_JAVA_HOME. ${DOCKER_HINT}`,
    {
      details: { tool: 'java', minMajor },
      hint: `Install a JDK ${minMajor}+ or set KAMF_JAVA_HOME, or use Docker and set KAFKA_BROKERS and SCHEMA_REGISTRY_URL.`,
    },
  );
}

export async function findMaven(): Promise<string> {
  const bin = process.env.KAMF_MVN ?? 'mvn';
  try {
    await run(bin, ['-v']);
    return bin;
  } catch {
    throw new KamfError(
      'INFRA_MISSING_TOOL',
      `Maven (\`${bin}\`) is needed once, to fetch the Kafka and registry jars from Maven Central, but it is not on PATH. ` +
        `Install it (e.g. \`apt-get install maven\`) or set KAMF_MVN. ${DOCKER_HINT}`,
      { details: { tool: 'mvn' }, hint: 'Install Maven or set KAMF_MVN to its path; it is needed once, to fetch the jars.' },
    );
  }
}
