import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../../src/core/config.js';
import { pkgPath } from '../../../src/core/paths.js';

describe('README', () => {
  const readme = readFileSync(pkgPath('README.md'), 'utf8');
  it('documents every environment variable KAMF reads', () => {
    for (const v of ENV_VARS) expect(readme, v.name).toContain(`| \`${v.name}\` | ${v.path === '-' ? '-' : `\`${v.path}\``} |`);
  });
  it('states the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
