/** Agent Cards for agents on the mesh: the Kafka-binding card itself is built by the binding (src/binding/card.ts). */
export { kafkaAgentCard, type CardInput } from '../binding/card.js';
