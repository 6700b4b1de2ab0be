/** Agent Cards that declare the Kafka binding (spec §12.7: `supportedInterfaces[].protocolBinding`). */
import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import { agentRequestTopic } from '../core/topics.js';
import { A2A_PROTOCOL_VERSION, KAFKA_BINDING_URI, agentInterfaceUrl } from './protocol.js';

export interface CardInput {
  name: string;
  description: string;
  version?: string;
  skills: Array<Partial<AgentSkill> & { id: string; name: string; description: string }>;
  streaming?: boolean;
  /** The server delivers push notifications (it has a push-config store and a delivery stage). */
  pushNotifications?: boolean;
  brokers: string[];
  /** Override the request topic (default agent.<name>.requests). */
  topic?: string;
  /** How callers authenticate (A2A §4.5): schemes by name, and the requirements (alternatives) a caller meets. */
  securitySchemes?: AgentCard['securitySchemes'];
  securityRequirements?: AgentCard['securityRequirements'];
}

export function kafkaAgentCard(input: CardInput): AgentCard {
  return {
    name: input.name,
    description: input.description,
    version: input.version ?? '0.1.0',
    supportedInterfaces: [
      {
        url: agentInterfaceUrl(input.brokers, input.topic ?? agentRequestTopic(input.name)),
        protocolBinding: KAFKA_BINDING_URI,
        protocolVersion: A2A_PROTOCOL_VERSION,
        tenant: '',
      },
    ],
    provider: { organization: 'KAMF', url: 'https://kamf.dev' },
    capabilities: { streaming: input.streaming ?? true, pushNotifications: input.pushNotifications ?? false, extensions: [], extendedAgentCard: false },
    securitySchemes: input.securitySchemes ?? {},
    securityRequirements: input.securityRequirements ?? [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: input.skills.map((s) => ({ tags: [], examples: [], inputModes: [], outputModes: [], securityRequirements: [], ...s })),
    signatures: [],
  };
}
