/** Security for the mesh: least-privilege Kafka ACLs, signed Agent Cards, verified callers. */
export { deriveAcls, formatAcls, callerInstanceId, REPLY_PREFIX, aclInputSchema, type AclInput, type AclGrant, type AclRole, type PrincipalAcls } from './acl.js';
export { applyAcls, revokeAcls, aclEntry, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from './apply-acls.js';
export { cardRequestTopics, foreignRequestTopics, isOwnRequestTopic } from './card-topics.js';
