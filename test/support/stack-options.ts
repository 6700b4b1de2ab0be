/** A LocalStack for one test run or file: a fresh run directory, free ports, schemas in memory. Never a shared one. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pkgPath } from '../../src/core/paths.js';
import { freePort, type StackOptions } from '../../src/infra/index.js';

export async function testStackOptions(prefix: string): Promise<StackOptions & { runDir: string }> {
  return {
    cacheDir: process.env.KAMF_INFRA_DIR ?? pkgPath('.infra'),
    runDir: mkdtempSync(join(tmpdir(), `${prefix}-`)),
    kafkaPort: await freePort(),
    controllerPort: await freePort(),
    registryPort: await freePort(),
    registryStorage: 'mem',
  };
}
