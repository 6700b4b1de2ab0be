#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the CLI needs no build step (and dt-sql-parser's ESM loads).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main();
// kafkajs and http agents may keep handles open after a command finished (start returns only after Ctrl-C)
process.exit(process.exitCode ?? 0);
