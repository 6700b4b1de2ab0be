/** Applies (or revokes) a principal's derived ACLs through the Kafka admin API, as a super user. */
import kafkajs, { type Admin, type AclEntry } from 'kafkajs';
import { KamfError } from '../core/errors.js';
import type { AclGrant, PrincipalAcls } from './acl.js';

// kafkajs is CommonJS: its enums are not visible as ESM named exports
export const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const OPERATION = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  delete: AclOperationTypes.DELETE,
  describe: AclOperationTypes.DESCRIBE,
} as const;

export function aclEntry(principal: string, g: AclGrant): AclEntry {
  return {
    resourceType: RESOURCE[g.resource],
    resourceName: g.name,
    resourcePatternType: PATTERN[g.pattern],
    principal,
    host: '*',
    operation: OPERATION[g.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** Creates every grant (creating an ACL that exists is a no-op on the broker). */
export async function applyAcls(admin: Admin, acls: PrincipalAcls): Promise<number> {
  try {
    await admin.createAcls({ acl: acls.grants.map((g) => aclEntry(acls.principal, g)) });
  } catch (cause) {
    throw new KamfError('KAFKA_ERROR', `could not create the ACLs of ${acls.principal}: ${(cause as Error).message}`, {
      cause,
      hint: 'ACLs are created by a super user (the secured stack\'s admin) on a broker with an authorizer.',
    });
  }
  return acls.grants.length;
}

/** Deletes every ACL that names the principal (whatever created it); returns how many went. */
export async function revokeAcls(admin: Admin, principal: string): Promise<number> {
  const res = await admin.deleteAcls({
    filters: [
      {
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        host: '*',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      },
    ],
  });
  return res.filterResponses.reduce((n, f) => n + f.matchingAcls.length, 0);
}
