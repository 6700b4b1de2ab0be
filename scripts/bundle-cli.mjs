// Bundles the built CLI (dist/src/cli/main.js) with its dependencies into dist/cli/: one file per command instead of
// hundreds of modules to resolve and load, which is much of a short command's time (`kamf ask` on a warm mesh:
// 0.66 s against 0.92 s).
// Run by `npm run build` after tsc. The library itself (dist/src) stays unbundled for those who import it.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir: 'dist/cli',
  bundle: true,
  // commands stay lazily loaded: each dynamic import in the catalog becomes a chunk of its own
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies inside an ES module bundle still call require
  banner: { js: "import { createRequire as __kamfRequire } from 'node:module'; const require = __kamfRequire(import.meta.url);" },
  // gRPC reads its .proto files next to its own sources (__dirname): it stays in node_modules
  external: ['@grpc/grpc-js', '@grpc/proto-loader'],
  logLevel: 'warning',
});
