/** The schema-registry client sends basic auth, with the password from a file only its owner can read. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';
import { createRegistry, resolveEndpoints } from '../../../src/core/kafka.js';

const seen: Array<string | undefined> = [];
let server: Server;
let url: string;

beforeAll(async () => {
  // a registry endpoint that answers only to registry-user / its password
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Basic ${Buffer.from('registry-user:pa55-from-file').toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end(JSON.stringify({ subject: 's', version: 1, id: 42, schema: '"string"' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('registry basic auth', () => {
  it('authenticates with the user and the password file, and is refused without them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kamf-reg-'));
    const file = join(dir, 'registry.password');
    writeFileSync(file, 'pa55-from-file\n');
    chmodSync(file, 0o600);
    const config = loadConfig({ cwd: dir, env: { KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_USERNAME: 'registry-user', SCHEMA_REGISTRY_PASSWORD_FILE: file } });
    expect(await createRegistry(config, resolveEndpoints(config)).getLatestSchemaId('s')).toBe(42);
    const anonymous = loadConfig({ cwd: dir, env: { KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: url } });
    await expect(createRegistry(anonymous, resolveEndpoints(anonymous)).getLatestSchemaId('s')).rejects.toThrow(/Unauthorized|401/);
    expect(seen[0]).toBe(`Basic ${Buffer.from('registry-user:pa55-from-file').toString('base64')}`);
    expect(seen.at(-1)).toBeUndefined();
  });
});
