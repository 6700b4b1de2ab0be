/** How the CLI tells a person what went wrong: `error [CODE]: message` and a hint; a stack only with --verbose. */
import { KamfError, isKamfError, type KamfErrorCode } from '../core/errors.js';

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  path?: unknown;
  stack?: string;
  cause?: unknown;
}

/** Any error as a KamfError: library and system errors that reached the top get the nearest code and a hint. */
export function toKamfError(err: unknown): KamfError {
  if (isKamfError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const message = e.message || String(err);
  const classify = (code: KamfErrorCode, hint: string) => new KamfError(code, message, { cause: err, hint });
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS')) {
    return classify('KAFKA_ERROR', 'is the broker reachable? `kamf infra status` shows the local one; KAFKA_BROKERS points elsewhere');
  }
  if (e.code === 'ENOENT') return classify('FILE_NOT_FOUND', `check the path${typeof e.path === 'string' ? ` ${e.path}` : ''}`);
  if (e.code === 'EACCES' || e.code === 'EPERM') return classify('CONFIG_INVALID', 'check the file permissions');
  if (e.code === 'ECONNREFUSED') return classify('KAFKA_ERROR', 'is the service running? `kamf infra status` shows the local stack');
  return classify('INTERNAL', 'this is a bug in KAMF or a library error it did not expect: run again with --verbose and report it');
}

export function reportError(err: unknown, options: { verbose?: boolean } = {}): string {
  const k = toKamfError(err);
  const lines = [`error [${k.code}]: ${k.message}`];
  const hint = k.hint;
  if (hint) lines.push(`  hint: ${hint}`);
  if (options.verbose) {
    for (let c: unknown = err, depth = 0; c !== undefined && depth < 5; c = (c as ErrorLike).cause, depth++) {
      lines.push(depth === 0 ? '' : 'caused by:', (c as ErrorLike).stack ?? String(c));
    }
  } else if (!hint) {
    lines.push('  (run with --verbose for details)');
  }
  return `${lines.join('\n')}\n`;
}
