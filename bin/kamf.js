#!/usr/bin/env node
// Runs the built CLI: the bundle (dist/cli/) where the command allows, else dist/src. A development checkout that
// was never built falls back to the sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/cli/main.js', import.meta.url);
const bundled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(built)) {
  const { commandNameOf, runsUnbundled } = await import(new URL('../dist/src/cli/command-name.js', import.meta.url).href);
  const { heapCapFor, hasHeapCap, rerunWithHeapCap, stopWithParent } = await import(new URL('../dist/src/cli/heap-cap.js', import.meta.url).href);
  const args = process.argv.slice(2);
  const command = commandNameOf(args);
  // the embedded router runs under a heap cap (KAMF_ROUTER_MAX_HEAP_MB): in a child started with it
  const cap = heapCapFor(args, command);
  if (cap !== undefined && !hasHeapCap()) process.exit(await rerunWithHeapCap(cap));
  stopWithParent();
  const entry = existsSync(bundled) && !runsUnbundled(command) ? bundled : built;
  ({ main } = await import(entry.href));
} else {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write('error [INTERNAL]: kamf is not built\n  hint: run `npm run build` in the kamf checkout\n');
    process.exit(1);
  }
  ({ main } = await import('../src/cli/main.ts'));
}
await main();
// kafkajs and http agents may keep handles open after a command finished (start returns only after Ctrl-C)
process.exit(process.exitCode ?? 0);
