import { describe, expect, it } from 'vitest';
import { KamfError } from '../../../src/core/errors.js';
import { commandNameOf, runsUnbundled } from '../../../src/cli/command-name.js';
import { reportError, toKamfError } from '../../../src/cli/report-error.js';

describe('reportError', () => {
  it('prints the code, the message and the hint, and no stack', () => {
    const out = reportError(new KamfError('CLI_USAGE', '--engine must be rxjs or flink, got foo', { hint: 'rxjs or flink' }));
    expect(out).toBe('error [CLI_USAGE]: --engine must be rxjs or flink, got foo\n  hint: rxjs or flink\n');
  });

  it('adds the stack and the causes with --verbose', () => {
    const out = reportError(new KamfError('KAFKA_ERROR', 'outer', { cause: new Error('inner') }), { verbose: true });
    expect(out).toContain('error [KAFKA_ERROR]: outer');
    expect(out).toContain('caused by:');
    expect(out).toMatch(/Error: inner\n\s+at /);
  });
});

describe('toKamfError', () => {
  it('classifies what reaches the top unwrapped', () => {
    const kafkajs = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
    expect(toKamfError(kafkajs).code).toBe('KAFKA_ERROR');
    expect(toKamfError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: 'x.sql' })).code).toBe('FILE_NOT_FOUND');
    expect(toKamfError(new TypeError('x is undefined')).code).toBe('INTERNAL');
    expect(toKamfError('a string').message).toBe('a string');
    const own = new KamfError('CONFIG_INVALID', 'mine');
    expect(toKamfError(own)).toBe(own);
  });
});

describe('commandNameOf', () => {
  it('skips options and the value of --config', () => {
    expect(commandNameOf(['-c', 'file.json', 'agents', '--json'])).toBe('agents');
    expect(commandNameOf(['--verbose', 'ask', 'hi'])).toBe('ask');
    expect(commandNameOf(['help', 'route'])).toBe('route');
    expect(commandNameOf(['--help'])).toBeUndefined();
  });

  it('runs `start` from dist/src, with the reference agents it loads by path, and everything else from the bundle', () => {
    expect(runsUnbundled(commandNameOf(['-c', 'start', 'start']))).toBe(true);
    expect(runsUnbundled(commandNameOf(['ask', 'start']))).toBe(false);
    expect(runsUnbundled(commandNameOf(['--help']))).toBe(false);
  });
});
