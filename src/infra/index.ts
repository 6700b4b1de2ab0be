export { LocalStack, findStackProcesses, type StackOptions, type ServiceStatus, type ServiceName } from './stack.js';
export { consoleProgress, silent, type Progress, type ProgressEvent } from './progress.js';
export { freePort, isPortFree } from './ports.js';
export { findJava, findMaven, DOCKER_HINT } from './tools.js';
export { stackFromConfig } from './from-config.js';
export { findOrphans, stopOrphans, type StackProcess } from './owner.js';
export {
  ADMIN_USER,
  PRINCIPAL_PATTERN,
  addScramUser,
  clientSecurity,
  ensureSecureMaterial,
  passwordFile,
  userPassword,
  type ClientSecurity,
  type SecureMaterial,
  type SecureStackOptions,
} from './secure.js';
