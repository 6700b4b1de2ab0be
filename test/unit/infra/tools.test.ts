import { describe, expect, it } from 'vitest';
import { findJava, parseJavaMajor } from '../../../src/infra/tools.js';
import { isKamfError, type KamfError } from '../../../src/core/errors.js';
import { freePort, isPortFree } from '../../../src/infra/ports.js';
import { createServer } from 'node:net';

describe('infra tools', () => {
  it('parses java -version output of old and new JDKs', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('openjdk version "25" 2025-09-16')).toBe(25);
    expect(parseJavaMajor('garbage')).toBeUndefined();
  });

  it('explains a missing JDK and offers docker compose instead', async () => {
    const err = await findJava(99).catch((e: unknown) => e);
    expect(isKamfError(err, 'INFRA_MISSING_TOOL')).toBe(true);
    expect((err as Error).message).toMatch(/Java 99\+ is needed/);
    expect((err as Error).message).toMatch(/docker compose up -d/);
    expect((err as KamfError).hint).toMatch(/KAMF_JAVA_HOME/);
  });

  it('tells a taken port from a free one', async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    expect(await isPortFree(port)).toBe(false);
    await new Promise((r) => server.close(r));
  });
});
