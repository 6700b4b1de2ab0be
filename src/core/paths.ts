/** Paths inside the KAMF package, independent of the caller's working directory. */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The package root: src/core/paths.ts sits two levels below it. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const pkgPath = (...parts: string[]) => resolve(packageRoot, ...parts);
