/** The developer's stack as configured (ports, directories), or nothing when an external cluster is configured. */
import { join } from 'node:path';
import type { KamfConfig } from '../core/config.js';
import { usesLocalStack } from '../core/config.js';
import type { Progress } from './progress.js';
import { LocalStack } from './stack.js';

/**
 * `options.owner`: pid of the process the services stop with (e.g. `process.pid` for `kamf start` in the
 * foreground); leave it out for a stack that outlives the command (`kamf infra up`, `kamf start --detach`).
 */
export function stackFromConfig(config: KamfConfig, progress?: Progress, options: { owner?: number } = {}): LocalStack | undefined {
  const services = usesLocalStack(config);
  if (!services.kafka && !services.registry) return undefined;
  const i = config.infra;
  return new LocalStack({
    cacheDir: i.dir,
    runDir: i.runDir ?? join(i.dir, i.secure ? 'run-secure' : 'run'),
    host: i.host,
    kafkaPort: i.kafkaPort,
    controllerPort: i.controllerPort,
    registryPort: i.registryPort,
    // without a local broker, kafkasql would put registry storage on the external cluster: keep it in memory
    registryStorage: services.kafka ? i.registryStorage : 'mem',
    startTimeoutMs: i.startTimeoutMs,
    services,
    ...(i.javaHome ? { javaHome: i.javaHome } : {}),
    ...(progress ? { progress } : {}),
    ...(options.owner !== undefined ? { owner: options.owner } : {}),
    // a secured broker only when KAMF runs it: an external cluster's security is its own
    ...(i.secure && services.kafka ? { secure: { tls: i.secureTls } } : {}),
  });
}
