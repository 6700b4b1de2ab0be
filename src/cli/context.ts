/** What every command needs: the loaded config, and clients created on first use. */
import type { Command } from 'commander';
import { loadConfig, type KamfConfig } from '../core/config.js';
import { createKafka, createRegistry, resolveEndpoints, type Endpoints } from '../core/kafka.js';

export interface CliContext {
  config: KamfConfig;
  endpoints: Endpoints;
  kafka: () => ReturnType<typeof createKafka>;
  registry: () => ReturnType<typeof createRegistry>;
}

export function contextFrom(cmd: Command): CliContext {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  const config = loadConfig(opts.config ? { file: opts.config } : {});
  const endpoints = resolveEndpoints(config);
  let kafka: ReturnType<typeof createKafka> | undefined;
  let registry: ReturnType<typeof createRegistry> | undefined;
  return {
    config,
    endpoints,
    kafka: () => (kafka ??= createKafka(config, endpoints)),
    registry: () => (registry ??= createRegistry(config, endpoints)),
  };
}
