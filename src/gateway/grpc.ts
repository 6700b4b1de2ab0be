/**
 * The gateway's gRPC side: one `A2AService` for every agent. gRPC has no URL path, so the request's `tenant` names
 * the agent (`<agent>` or `<agent>/<tenant>`, as the agent's gateway card declares it; card.ts); a request without
 * one goes to the default agent. The SDK's `grpcService` does the protocol work over the agent's Kafka relay.
 *
 * Fixed at this edge: an unsupported `a2a-version` is UNIMPLEMENTED (the SDK answers FAILED_PRECONDITION), a call
 * the caller cancels aborts its relay, streams take per-caller slots, and messages are capped in size.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcVersionNotSupportedError, buildGrpcErrorMetadata } from '@a2a-js/sdk/errors/grpc';
import { A2AService, UserBuilder, grpcService } from '@a2a-js/sdk/server/grpc';
import { A2A_PROTOCOL_VERSION } from '../binding/index.js';
import { splitGrpcTenant } from './card.js';
import { callerKey } from './edge.js';
import { GATEWAY_FAILURE } from './errors.js';
import { contextBuilder } from './http.js';
import { KafkaRelay, type RelayDeps } from './relay.js';
import { callScope, type CallScope } from './scope.js';
import type { StreamSlots } from './slots.js';

type AnyCall = grpc.ServerUnaryCall<{ tenant?: string }, unknown> | grpc.ServerWritableStream<{ tenant?: string }, unknown>;
type Callback = grpc.sendUnaryData<unknown>;
type Impl = (call: AnyCall, callback?: Callback) => unknown;

export interface GrpcServerOptions {
  deps: RelayDeps;
  slots: StreamSlots;
  defaultAgent: string | undefined;
}

export function createGrpcServer(o: GrpcServerOptions): grpc.Server {
  const { deps, slots } = o;
  const services = new Map<string, Record<string, Impl>>();
  const serviceFor = (name: string, atRoot: boolean): Record<string, Impl> => {
    const key = `${atRoot ? 'root' : 'agent'}:${name}`;
    let s = services.get(key);
    if (!s) {
      const relay = new KafkaRelay(deps, name, 'grpc', atRoot);
      s = grpcService({ requestHandler: relay, userBuilder: UserBuilder.noAuthentication, contextBuilder }) as unknown as Record<string, Impl>;
      services.set(key, s);
    }
    return s;
  };

  const routed: Record<string, Impl> = {};
  for (const [method, def] of Object.entries(A2AService)) {
    const streaming = def.responseStream;
    routed[method] = (call, callback) => {
      const fail = (err: Partial<grpc.StatusObject>) => {
        if (callback) callback(err as grpc.ServiceError, null);
        else {
          call.emit('error', err);
          (call as grpc.ServerWritableStream<unknown, unknown>).end();
        }
      };
      // which agent: the tenant's first segment when it names one, else the default agent
      const request = call.request ?? {};
      const { agent, tenant } = splitGrpcTenant(request.tenant ?? '');
      let target: { name: string; atRoot: boolean } | undefined;
      if (agent && deps.agents.get(agent)) {
        target = { name: agent, atRoot: false };
        request.tenant = tenant;
      } else if (o.defaultAgent && deps.agents.get(o.defaultAgent)) target = { name: o.defaultAgent, atRoot: true };
      if (!target) return fail({ code: grpc.status.NOT_FOUND, details: `no agent "${agent}" in the registry (name it in the request tenant: <agent> or <agent>/<tenant>)` });

      const version = call.metadata.get('a2a-version')[0]?.toString() ?? '0.3';
      if (version !== A2A_PROTOCOL_VERSION) {
        const err = new GrpcVersionNotSupportedError({ message: `A2A version '${version}' is not supported; supported: ${A2A_PROTOCOL_VERSION}`, status: grpc.status.UNIMPLEMENTED });
        return fail({ code: grpc.status.UNIMPLEMENTED, details: err.message, metadata: buildGrpcErrorMetadata(grpc.Metadata, err) ?? new grpc.Metadata() });
      }

      const authorization = call.metadata.get('authorization')[0]?.toString();
      const peer = call.getPeer().replace(/:\d+$/, '');
      const caller = callerKey(authorization, peer);
      let release: (() => void) | undefined;
      if (streaming) {
        release = slots.acquire(caller);
        if (!release) {
          deps.stats.refused.tooManyStreams++;
          return fail({ code: GATEWAY_FAILURE.tooManyStreams.grpc, details: `too many open streams for this caller (limit ${slots.limit})` });
        }
      }
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort(new Error('the caller cancelled the call')));
      const scope: CallScope = { signal: controller.signal, caller };
      const impl = serviceFor(target.name, target.atRoot)[method]!;
      const done = callScope.run(scope, () => impl(call, callback));
      void Promise.resolve(done).finally(() => release?.());
    };
  }

  const server = new grpc.Server({ 'grpc.max_receive_message_length': deps.limits.maxRequestBytes });
  server.addService(A2AService as unknown as grpc.ServiceDefinition, routed as unknown as grpc.UntypedServiceImplementation);
  return server;
}

export function bindGrpc(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}
