/**
 * `kamf acl show | grant | revoke | list`: least-privilege Kafka ACLs for an agent or caller principal, derived from
 * its role (and its card), printed, and applied through the admin API. On the secured local stack `grant` also
 * creates the principal (a SCRAM user) and the agent's request topics.
 */
import { readFileSync } from 'node:fs';
import type { AgentCard } from '@a2a-js/sdk';
import type { Command } from 'commander';
import { SUMMARY } from '../summaries.js';
import { ensureTopics } from '../../core/admin.js';
import { KamfError } from '../../core/errors.js';
import { consoleProgress, passwordFile, stackFromConfig } from '../../infra/index.js';
import { deriveAcls, formatAcls, applyAcls, revokeAcls, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclRole, type PrincipalAcls } from '../../security/index.js';
import { AgentDirectory, connectMesh } from '../../binding/index.js';
import { print, printJson } from '../output.js';
import { secureContext, SECURE_FLAG, SECURE_HELP } from './secure-flag.js';
import type { CliContext } from '../context.js';

interface DeriveOpts {
  role: string;
  user?: string;
  lanes: string;
  card?: string;
  fromRegistry?: boolean;
  json?: boolean;
}

/** kafkajs enums are plain objects (name → code): the name of a code. */
const nameOf = (e: object, code: number) => Object.entries(e).find(([, v]) => v === code)?.[0] ?? String(code);

const ROLES: AclRole[] = ['agent', 'caller', 'coordinator', 'router'];

function role(value: string): AclRole {
  if (!(ROLES as string[]).includes(value)) throw new KamfError('CLI_USAGE', `unknown role "${value}"`, { hint: `one of ${ROLES.join(', ')}` });
  return value as AclRole;
}

async function cardOf(ctx: CliContext, name: string, opts: DeriveOpts): Promise<AgentCard | undefined> {
  if (opts.card) {
    try {
      return JSON.parse(readFileSync(opts.card, 'utf8')) as AgentCard;
    } catch (cause) {
      throw new KamfError('CLI_USAGE', `cannot read the card ${opts.card}: ${(cause as Error).message}`, { cause });
    }
  }
  if (!opts.fromRegistry) return undefined;
  const mesh = connectMesh(ctx.config, ctx.endpoints, 'kamf-acl');
  const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec } });
  await directory.start();
  try {
    return (await directory.waitFor(name, { timeoutMs: 5000 })).card;
  } finally {
    await directory.stop();
  }
}

async function derive(ctx: CliContext, name: string, opts: DeriveOpts): Promise<PrincipalAcls> {
  const card = await cardOf(ctx, name, opts);
  return deriveAcls({
    agent: name,
    role: role(opts.role),
    lanes: opts.lanes.split(',').map((l) => l.trim()),
    ...(opts.user ? { user: opts.user } : {}),
    ...(card ? { card } : {}),
  });
}

function show(acls: PrincipalAcls, json?: boolean): void {
  if (json) printJson(acls);
  else print(formatAcls(acls).join('\n'));
}

function deriveOptions(c: Command): Command {
  return c
    .requiredOption('-r, --role <role>', `${ROLES.join(' | ')} (a coordinator is an agent that also calls others)`)
    .option('-u, --user <name>', 'the principal (SCRAM user); default: the agent name')
    .option('--lanes <list>', "priority lanes the agent serves, comma-separated ('' = the plain topic)", ',high')
    .option('--card <file>', 'take the request topics from this Agent Card (JSON); they must be the agent\'s own')
    .option('--from-registry', "take the request topics from the agent's card in agent.registry")
    .option('--json', 'machine-readable output')
    .option(SECURE_FLAG, SECURE_HELP);
}

export function aclCommand(program: Command): void {
  const acl = program.command('acl').description(SUMMARY.acl);

  deriveOptions(acl.command('show').argument('<name>', 'agent (routing) name').description('print the least-privilege ACLs of an agent or caller'))
    .addHelpText('after', '\nExamples:\n  npx kamf acl show data --role agent\n  npx kamf acl show balance --role coordinator --from-registry')
    .action(async (name: string, opts: DeriveOpts, cmd: Command) => {
      show(await derive(secureContext(cmd), name, opts), opts.json);
    });

  deriveOptions(acl.command('grant').argument('<name>', 'agent (routing) name').description('create the principal (secured local stack), the agent\'s topics, and apply its ACLs'))
    .option('--no-create-user', 'do not create the SCRAM user (it exists, or the cluster is not the local one)')
    .action(async (name: string, opts: DeriveOpts & { createUser: boolean }, cmd: Command) => {
      const ctx = secureContext(cmd);
      const acls = await derive(ctx, name, opts);
      const user = acls.principal.slice('User:'.length);
      const stack = stackFromConfig(ctx.config, consoleProgress());
      const material = await stack?.security();
      if (opts.createUser && stack && material) {
        await stack.addUsers([user]);
        print(`principal ${acls.principal}: SCRAM-SHA-512 user created; its password is in ${passwordFile(material, user)} (readable by you only)`);
      }
      const agentTopics = acls.grants.filter((g) => g.resource === 'topic' && g.operation === 'read' && g.name.startsWith('agent.') && g.pattern === 'literal');
      // the agent gets no CREATE: its request topics are made here, by the admin
      await ensureTopics(ctx.kafka(), agentTopics.map((g) => ({ name: g.name, partitions: 6, compacted: false })));
      const admin = ctx.kafka().admin();
      await admin.connect();
      try {
        await applyAcls(admin, acls);
      } finally {
        await admin.disconnect();
      }
      show(acls, opts.json);
      if (!opts.json) print(`\n${acls.grants.length} ACLs applied for ${acls.principal}.`);
    });

  acl
    .command('revoke')
    .argument('<user>', 'the principal\'s user name')
    .description('delete every ACL of a principal')
    .option(SECURE_FLAG, SECURE_HELP)
    .action(async (user: string, _opts: unknown, cmd: Command) => {
      const admin = secureContext(cmd).kafka().admin();
      await admin.connect();
      try {
        print(`${await revokeAcls(admin, `User:${user}`)} ACLs of User:${user} deleted`);
      } finally {
        await admin.disconnect();
      }
    });

  acl
    .command('list')
    .argument('[user]', 'only this principal\'s ACLs')
    .description('the ACLs on the cluster')
    .option('--json', 'machine-readable output')
    .option(SECURE_FLAG, SECURE_HELP)
    .action(async (user: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const admin = secureContext(cmd).kafka().admin();
      await admin.connect();
      try {
        const res = await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          ...(user ? { principal: `User:${user}` } : {}),
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const rows = res.resources.flatMap((r) =>
          r.acls.map((a) => ({
            principal: a.principal,
            operation: nameOf(AclOperationTypes, a.operation),
            resource: nameOf(AclResourceTypes, r.resourceType),
            pattern: nameOf(ResourcePatternTypes, r.resourcePatternType),
            name: r.resourceName,
            permission: nameOf(AclPermissionTypes, a.permissionType),
          })),
        );
        if (opts.json) printJson(rows);
        else print(rows.map((r) => `${r.permission} ${r.principal} ${r.operation} ${r.resource} ${r.pattern} ${r.name}`).join('\n') || '(no ACLs)');
      } finally {
        await admin.disconnect();
      }
    });
}
