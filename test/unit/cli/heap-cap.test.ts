import { describe, expect, it } from 'vitest';
import { commandNameOf } from '../../../src/cli/command-name.js';
import { DEFAULT_ROUTER_HEAP_MB, hasHeapCap, heapCapFor } from '../../../src/cli/heap-cap.js';

const capOf = (args: string[], env: Record<string, string | undefined> = {}) => heapCapFor(args, commandNameOf(args), env);

describe('heap cap of kamf route', () => {
  it('caps the embedded router, by default and as configured', () => {
    expect(capOf(['route', 'flink-sql/routing.sql'])).toBe(DEFAULT_ROUTER_HEAP_MB);
    expect(capOf(['-c', 'k.json', 'route', '--engine', 'rxjs', 'r.sql'])).toBe(DEFAULT_ROUTER_HEAP_MB);
    expect(capOf(['route', 'r.sql'], { KAMF_ROUTER_MAX_HEAP_MB: '192' })).toBe(192);
    expect(capOf(['route', 'r.sql'], { KAMF_ROUTER_MAX_HEAP_MB: '0' })).toBeUndefined();
  });

  it('leaves alone what starts no router here, and every other command', () => {
    for (const args of [['route', '--engine', 'flink', 'r.sql'], ['route', '--engine=flink', 'r.sql'], ['route', '-e', 'flink', 'r.sql'], ['route', '-eflink', 'r.sql'], ['route', '--dry-run', 'r.sql'], ['route', 'jobs', '--gateway', 'http://g'], ['route', 'stop', 'routing'], ['route', '--help'], ['ask', 'route'], ['start']]) {
      expect(capOf(args), args.join(' ')).toBeUndefined();
    }
  });

  it('sees a cap already set, on the command line, in NODE_OPTIONS or as the capped child', () => {
    expect(hasHeapCap([], {})).toBe(false);
    expect(hasHeapCap(['--max-old-space-size=128'], {})).toBe(true);
    expect(hasHeapCap([], { NODE_OPTIONS: '--enable-source-maps --max_old_space_size=512' })).toBe(true);
    expect(hasHeapCap([], { NODE_OPTIONS: '--max-semi-space-size=16' })).toBe(false);
    expect(hasHeapCap([], { KAMF_HEAP_CAPPED_CHILD: '1' })).toBe(true);
  });
});
