/** Paths inside the KAMF package, independent of the caller's working directory and of src/ versus dist/. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The nearest ancestor holding KAMF's package.json: this file runs as src/core/paths.ts and as dist/src/core/paths.js. */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kamf') return dir;
      } catch {
        // an unreadable manifest is not ours; keep climbing
      }
    }
    if (dirname(dir) === dir) return resolve(start, '..', '..');
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const pkgPath = (...parts: string[]) => resolve(packageRoot, ...parts);

/** The compiled tree (`npm run build`); the published package runs from there. */
export const distRoot = pkgPath('dist');

/** True when this code runs as TypeScript sources (tsx, vitest) rather than from dist/. */
export const runningFromSource = fileURLToPath(import.meta.url).endsWith('.ts');

/**
 * A runnable script of the package, named by its path in the repository (`mcp-servers/game-stats/main.js`), in
 * the same tree as the running code: dist/…/main.js when built, the .ts source under tsx and vitest, so one
 * process never loads both copies of a module.
 */
export function packageScript(path: string): string {
  if (isAbsolute(path)) return path;
  if (!runningFromSource) return resolve(distRoot, path.replace(/\.ts$/, '.js'));
  const source = resolve(packageRoot, path.replace(/\.js$/, '.ts'));
  return existsSync(source) ? source : resolve(packageRoot, path);
}

/** Node arguments that run a script: TypeScript sources need the tsx loader, which only development installs. */
export const nodeArgsFor = (script: string): string[] => (script.endsWith('.ts') ? ['--import', 'tsx', script] : [script]);
