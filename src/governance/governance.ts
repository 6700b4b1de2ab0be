/**
 * `kamf schemas register | check | list`: schema governance against a Confluent-compatible registry.
 * The registry enforces BACKWARD; KAMF checks FULL (BACKWARD + FORWARD) before it registers, because in a mesh
 * new readers replay old records (compacted topics) and old agents keep reading what upgraded ones write.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { KamfError } from '../core/errors.js';
import { FIXED_TOPICS, subjectOf } from '../core/topics.js';
import { checkCompatibility, describe, type Incompatibility, type Rule } from './compat.js';
import { fullNameOf, readSchemaFiles, type SchemaFile } from './schema-files.js';

export interface SubjectInfo {
  subject: string;
  version: number;
  id: number;
  recordName: string;
}

export interface CheckResult {
  subject: string;
  recordName: string;
  status: 'new' | 'unchanged' | 'compatible' | 'incompatible';
  problems: Incompatibility[];
  registeredVersion?: number;
}

interface Api {
  Subject: Record<string, (args: Record<string, unknown>) => Promise<{ data(): unknown; status(): number }>>;
}

function api(registry: SchemaRegistry): Api {
  return (registry as unknown as { api: Api }).api;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

function registryError(what: string, err: unknown): KamfError {
  return new KamfError('SCHEMA_REGISTRY_ERROR', `Schema registry: ${what} failed: ${(err as Error).message}`, { cause: err });
}

export async function listSubjects(registry: SchemaRegistry): Promise<SubjectInfo[]> {
  let subjects: string[];
  try {
    subjects = (await (await api(registry).Subject.all!({})).data()) as string[];
  } catch (err) {
    throw registryError('listing subjects', err);
  }
  const out: SubjectInfo[] = [];
  for (const subject of subjects.sort()) {
    const latest = await latestOf(registry, subject);
    if (latest) out.push(latest);
  }
  return out;
}

async function latestOf(registry: SchemaRegistry, subject: string): Promise<(SubjectInfo & { schema: object }) | undefined> {
  try {
    const res = (await (await api(registry).Subject.latestVersion!({ subject })).data()) as {
      version: number;
      id: number;
      schema: string;
    };
    const schema = JSON.parse(res.schema) as { name?: string; namespace?: string };
    return { subject, version: res.version, id: res.id, recordName: fullNameOf(schema), schema };
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw registryError(`reading ${subject}`, err);
  }
}

/** Canonical comparison: same schema regardless of whitespace or key order. */
function sameSchema(a: object, b: object): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)).map(([k, x]) => [k, canon(x)])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

export async function checkSubject(registry: SchemaRegistry, subject: string, schema: object, rule: Rule = 'FULL'): Promise<CheckResult> {
  const recordName = fullNameOf(schema as { name?: string });
  const latest = await latestOf(registry, subject);
  if (!latest) return { subject, recordName, status: 'new', problems: [] };
  if (sameSchema(latest.schema, schema)) return { subject, recordName, status: 'unchanged', problems: [], registeredVersion: latest.version };
  const problems = checkCompatibility(schema, latest.schema, rule);
  // the registry's own BACKWARD verdict is authoritative for what it will accept
  let registryOk = true;
  try {
    const res = (await (await api(registry).Subject.compatible!({ subject, version: 'latest', body: { schema: JSON.stringify(schema) } })).data()) as {
      is_compatible: boolean;
    };
    registryOk = res.is_compatible;
  } catch (err) {
    if (httpStatus(err) !== 409 && httpStatus(err) !== 422) throw registryError(`checking ${subject}`, err);
    registryOk = false;
  }
  if (!registryOk && problems.length === 0) {
    problems.push({ path: recordName, rule: 'BACKWARD', reason: 'the registry refused it under its BACKWARD rule' });
  }
  return { subject, recordName, status: problems.length ? 'incompatible' : 'compatible', problems, registeredVersion: latest.version };
}

/** Registers after checking; refuses with SCHEMA_INCOMPATIBLE and a plain-words explanation. */
export async function registerSubject(
  registry: SchemaRegistry,
  subject: string,
  schema: object,
  rule: Rule = 'FULL',
  /** A check just made for this subject and schema (saves asking the registry twice). */
  checked?: CheckResult,
): Promise<CheckResult & { id: number }> {
  const check = checked ?? (await checkSubject(registry, subject, schema, rule));
  if (check.status === 'incompatible') {
    throw new KamfError(
      'SCHEMA_INCOMPATIBLE',
      `Refusing to register ${check.recordName} under ${subject}: it is not ${rule}-compatible with version ${check.registeredVersion}:\n${describe(check.problems)}`,
      { details: { subject, problems: check.problems } },
    );
  }
  try {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    return { ...check, id };
  } catch (err) {
    throw registryError(`registering ${subject}`, err);
  }
}

export interface Target {
  subject: string;
  file: SchemaFile;
}

/**
 * Which subjects each schema file governs: the fixed topics' subjects, plus every subject already in the registry
 * whose record has the same full name (agent request topics, reply topics, user topics).
 */
export async function targets(registry: SchemaRegistry, files = readSchemaFiles()): Promise<Target[]> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const byFull = new Map(files.map((f) => [f.fullName, f]));
  const out = new Map<string, Target>();
  for (const t of FIXED_TOPICS) {
    const file = t.recordType ? byName.get(t.recordType) : undefined;
    if (file) out.set(subjectOf(t.name), { subject: subjectOf(t.name), file });
  }
  for (const s of await listSubjects(registry)) {
    const file = byFull.get(s.recordName);
    if (file && !out.has(s.subject)) out.set(s.subject, { subject: s.subject, file });
  }
  // files no topic carries yet are governed under their record name (Confluent's RecordNameStrategy)
  const covered = new Set([...out.values()].map((t) => t.file.fullName));
  for (const file of files) if (!covered.has(file.fullName)) out.set(file.fullName, { subject: file.fullName, file });
  return [...out.values()].sort((a, b) => a.subject.localeCompare(b.subject));
}
