/**
 * `startGateway()`: the A2A HTTP gateway in front of the Kafka mesh. It follows `agent.registry`, serves every
 * agent over JSON-RPC and HTTP+JSON (http.ts) and gRPC (grpc.ts), and relays every operation over the Kafka binding
 * through one client runtime (one reply topic for the whole gateway).
 */
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { AgentDirectory, KafkaClientRuntime, connectMesh, type MeshConnection } from '../binding/index.js';
import { ensureTopics } from '../core/admin.js';
import type { KamfConfig } from '../core/config.js';
import { KamfError } from '../core/errors.js';
import { TOPICS } from '../core/topics.js';
import { AgentTable } from './agents.js';
import type { PublicEndpoints } from './card.js';
import { bindGrpc, createGrpcServer } from './grpc.js';
import { createHttpApp } from './http.js';
import { parseGatewayOptions, type GatewayOptionsInput, type GatewaySettings } from './options.js';
import type { RelayDeps } from './relay.js';
import { StreamSlots } from './slots.js';
import { newStats, type GatewayStats } from './stats.js';

export type StartGatewayOptions = GatewayOptionsInput & {
  config: KamfConfig;
  /** Reuse a mesh connection (tests, an app that already has one). */
  mesh?: MeshConnection;
};

export interface Gateway {
  readonly settings: GatewaySettings;
  /** Base URL of the HTTP side, as written into cards. */
  readonly url: string;
  /** host:port of the gRPC side, if on. */
  readonly grpcAddress: string | undefined;
  readonly stats: GatewayStats;
  readonly agents: AgentTable;
  readonly directory: AgentDirectory;
  readonly runtime: KafkaClientRuntime;
  readonly slots: StreamSlots;
  close(): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const { config, mesh: given, ...rest } = options;
  const settings = parseGatewayOptions(rest);
  const mesh = given ?? connectMesh(config, undefined, 'kamf-gateway');
  const registryTopic = settings.registryTopic ?? TOPICS.registry.name;
  await ensureTopics(mesh.kafka, [{ name: registryTopic, partitions: TOPICS.registry.partitions, compacted: true }]);

  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    closers.length = 0;
  };
  try {
    const runtime = await KafkaClientRuntime.start(mesh.kafka, mesh.codec, { timeoutMs: settings.limits.requestTimeoutMs });
    closers.push(() => runtime.close());
    const directory = new AgentDirectory({ connection: { kafka: mesh.kafka, codec: mesh.codec }, topic: registryTopic, logger: { warn: () => undefined } });
    await directory.start();
    closers.push(() => directory.stop());
    const agents = new AgentTable(directory);
    agents.start();
    closers.push(async () => agents.stop());

    const stats = newStats();
    const slots = new StreamSlots(settings.limits.maxStreamsPerCaller, stats);
    const endpoints: PublicEndpoints = { http: '', grpc: undefined };
    const deps: RelayDeps = { runtime, agents, endpoints, limits: settings.limits, stats, reusedMessageIds: settings.reusedMessageIds };

    const app = createHttpApp({ deps, slots, defaultAgent: settings.defaultAgent });
    const http: HttpServer = app.listen(settings.port, settings.host);
    await Promise.race([once(http, 'listening'), once(http, 'error').then(([err]) => Promise.reject(listenError('HTTP', settings.host, settings.port, err as Error)))]);
    closers.push(() => closeHttp(http));
    const httpPort = (http.address() as AddressInfo).port;
    endpoints.http = (settings.publicUrl ?? `http://${hostForUrl(settings.host)}:${httpPort}`).replace(/\/+$/, '');

    let grpcServer: grpc.Server | undefined;
    if (settings.grpcPort !== null) {
      grpcServer = createGrpcServer({ deps, slots, defaultAgent: settings.defaultAgent });
      const port = await bindGrpc(grpcServer, `${hostForUrl(settings.host)}:${settings.grpcPort}`).catch((err: Error) => {
        throw listenError('gRPC', settings.host, settings.grpcPort ?? 0, err);
      });
      const server = grpcServer;
      closers.push(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown()));
      endpoints.grpc = settings.publicGrpcAddress ?? `${hostForUrl(settings.host)}:${port}`;
    }

    return {
      settings,
      url: endpoints.http,
      grpcAddress: endpoints.grpc,
      stats,
      agents,
      directory,
      runtime,
      slots,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

const hostForUrl = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function listenError(what: string, host: string, port: number, err: Error): KamfError {
  const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' || /address already in use/i.test(err.message);
  return new KamfError(inUse ? 'INFRA_PORT_IN_USE' : 'CONFIG_INVALID', `the gateway's ${what} side cannot listen on ${host}:${port}: ${err.message}`, {
    cause: err,
    ...(inUse ? { hint: `choose another port (--${what === 'gRPC' ? 'grpc-port' : 'port'}), or 0 for a free one` } : {}),
  });
}

/** Closes the listener and the connections still open (streams included), so close() never waits on a caller. */
function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
