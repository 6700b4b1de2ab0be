/** Connects to a mesh: the Kafka client and the registry-backed A2A codec, from a config. */
import type { Kafka } from 'kafkajs';
import { A2ACodec, AvroSerde } from '../codec/index.js';
import type { KamfConfig } from '../core/config.js';
import { createKafka, createRegistry, resolveEndpoints, type Endpoints } from '../core/kafka.js';

export interface MeshConnection {
  kafka: Kafka;
  codec: A2ACodec;
  endpoints: Endpoints;
}

export function connectMesh(config: KamfConfig, endpoints: Endpoints = resolveEndpoints(config), clientId?: string): MeshConnection {
  const kafka = createKafka(config, endpoints, clientId ? { clientId } : {});
  const codec = new A2ACodec({ serde: new AvroSerde({ registry: createRegistry(config, endpoints) }) });
  return { kafka, codec, endpoints };
}
