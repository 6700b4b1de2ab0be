import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KamfError } from '../core/errors.js';

let cached: URL | undefined;

/**
 * The package's `schemas/` directory (trailing slash), found from this module's location: the nearest
 * ancestor that holds `schemas/A2ARequest.avsc`. Works from `src/codec` (tsx, vitest) and from a
 * compiled `dist/...` tree alike. `KAMF_SCHEMAS_DIR` overrides it.
 */
export function schemasDir(): URL {
  if (cached) return cached;
  const override = process.env.KAMF_SCHEMAS_DIR;
  if (override) {
    cached = new URL(`file://${override.endsWith('/') ? override : `${override}/`}`);
    return cached;
  }
  let dir = new URL('./', import.meta.url);
  for (let i = 0; i < 8; i++) {
    const candidate = new URL('schemas/', dir);
    if (existsSync(new URL('A2ARequest.avsc', candidate))) {
      cached = candidate;
      return cached;
    }
    const parent = new URL('../', dir);
    if (parent.href === dir.href) break;
    dir = parent;
  }
  throw new KamfError('SCHEMA_INVALID', `cannot find the schemas/ directory above ${fileURLToPath(import.meta.url)}`);
}
