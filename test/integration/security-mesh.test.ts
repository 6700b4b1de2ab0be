/**
 * `kamf start --secure`: the whole reference mesh (router, data and cs agents with their MCP servers, the balance
 * coordinator) on a secured broker of its own (SASL/SCRAM-SHA-512 over TLS, StandardAuthorizer, nothing allowed
 * without an ACL), started by the command on free ports; the sample question is answered and nothing is left running.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pkgPath } from '../../src/core/paths.js';
import { freePort } from '../../src/infra/ports.js';
import { stopProcess } from '../../src/infra/process.js';
import { findStackProcesses } from '../../src/infra/stack.js';

const runDir = mkdtempSync(join(tmpdir(), 'kamf-secure-mesh-'));

afterAll(async () => {
  for (const pid of findStackProcesses(runDir)) await stopProcess(pid, 5000);
  rmSync(runDir, { recursive: true, force: true });
});

describe('kamf start --secure', () => {
  it('runs the mesh on the secured broker and answers the sample question', { timeout: 420_000 }, async () => {
    const env = {
      ...process.env,
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: '',
      KAMF_RUN_DIR: runDir,
      KAMF_KAFKA_PORT: String(await freePort()),
      KAMF_CONTROLLER_PORT: String(await freePort()),
      KAMF_REGISTRY_PORT: String(await freePort()),
      KAMF_LLM_URL: '',
    };
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [pkgPath('bin', 'kamf.js'), 'start', '--secure', '--exit'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (c) => resolve({ code: c, out }));
    });
    expect(code, out).toBe(0);
    expect(out).toContain('> Is Terran too strong?   (via a2a.ingress and the router)');
    expect(out).toContain('Yes: Terran looks too strong.');
    // the broker it ran on was the secured one
    const props = readFileSync(join(runDir, 'conf', 'server.properties'), 'utf8');
    expect(props).toMatch(/^listener\.security\.protocol\.map=CLIENT:SASL_SSL,CONTROLLER:SASL_PLAINTEXT$/m);
    expect(props).toMatch(/^authorizer\.class\.name=org\.apache\.kafka\.metadata\.authorizer\.StandardAuthorizer$/m);
    expect(props).toMatch(/^allow\.everyone\.if\.no\.acl\.found=false$/m);
    // its secrets are readable by their owner only
    for (const f of [join(runDir, 'conf', 'server.properties'), join(runDir, 'secure', 'users', 'admin.password'), join(runDir, 'secure', 'broker-keystore.pem')]) {
      expect((statSync(f).mode & 0o077).toString(8), f).toBe('0');
    }
    // it stopped what it started
    expect(findStackProcesses(runDir)).toEqual([]);
  });
});
