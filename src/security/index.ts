/** Security for the mesh: least-privilege Kafka ACLs, signed Agent Cards, verified callers. */
export { deriveAcls, formatAcls, callerInstanceId, REPLY_PREFIX, type AclInput, type AclGrant, type AclRole, type PrincipalAcls } from './acl.js';
export { applyAcls, revokeAcls, aclEntry, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from './apply-acls.js';
export { cardRequestTopics, foreignRequestTopics, isOwnRequestTopic } from './card-topics.js';
export { signCard, cardCheck, signatureKid, type CardSigningKey, type TrustedCardKeys, type CardPolicy, type CardCheck } from './card-signing.js';
export { bearerJwtVerifier, apiKeyVerifier, anyOf, unauthenticated, type CallerVerifier, type VerifiedUser, type BearerOptions, type ApiKeyOptions } from './verifiers.js';
