/** `kamf schemas register | check | list`: govern schemas/*.avsc in the registry. */
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { KamfError } from '../../core/errors.js';
import { checkSubject, describe, listSubjects, registerSubject, targets } from '../../governance/index.js';
import { contextFrom } from '../context.js';
import { print, printJson, table } from '../output.js';

export function schemasCommand(program: Command): void {
  const schemas = program.command('schemas').description(SUMMARY.schemas);

  schemas
    .command('check')
    .description('check every schema against what the registry holds (BACKWARD and FORWARD), without registering')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const registry = contextFrom(cmd).registry();
      const results = [];
      for (const t of await targets(registry)) results.push(await checkSubject(registry, t.subject, t.file.schema));
      if (opts.json) printJson(results);
      else {
        print(table(results.map((r) => ({ subject: r.subject, status: r.status, registered: r.registeredVersion })), ['subject', 'status', 'registered']));
        for (const r of results.filter((x) => x.status === 'incompatible')) print(`\n${r.subject}:\n${describe(r.problems)}`);
      }
      if (results.some((r) => r.status === 'incompatible')) process.exitCode = 2;
    });

  schemas
    .command('register')
    .description('check, then register every schema under its subjects (<topic>-value)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const registry = contextFrom(cmd).registry();
      const list = await targets(registry);
      // check everything first, so a refusal registers nothing
      const checks = [];
      for (const t of list) checks.push(await checkSubject(registry, t.subject, t.file.schema));
      const bad = checks.filter((c) => c.status === 'incompatible');
      if (bad.length) {
        throw new KamfError('SCHEMA_INCOMPATIBLE', `Nothing registered: ${bad.length} schema(s) would break compatibility:\n` + bad.map((b) => `${b.subject} (registered version ${b.registeredVersion}):\n${describe(b.problems)}`).join('\n'));
      }
      const done = [];
      for (const [i, t] of list.entries()) {
        const r = await registerSubject(registry, t.subject, t.file.schema, 'FULL', checks[i]);
        done.push({ subject: t.subject, id: r.id, status: r.status === 'unchanged' ? 'unchanged' : r.status === 'new' ? 'registered' : 'new version' });
      }
      if (opts.json) printJson(done);
      else print(table(done, ['subject', 'status', 'id']));
    });

  schemas
    .command('list')
    .description('subjects in the registry with their latest version, id and record')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const subjects = await listSubjects(contextFrom(cmd).registry());
      if (opts.json) printJson(subjects);
      else print(table(subjects.map((s) => ({ ...s })), ['subject', 'version', 'id', 'recordName']));
    });
}
