export { checkCompatibility, describe, type Incompatibility, type Rule } from './compat.js';
export { checkSubject, listSubjects, registerSubject, targets, type CheckResult, type SubjectInfo, type Target } from './governance.js';
export { readSchemaFiles, fullNameOf, type SchemaFile } from './schema-files.js';
