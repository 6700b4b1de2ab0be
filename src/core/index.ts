export * from './errors.js';
export * from './config.js';
export * from './kafka.js';
export * from './topics.js';
export { ensureTopics } from './admin.js';
export { PartitionOffsets } from './offsets.js';
export * from './paths.js';
export * from './telemetry.js';
export * from './telemetry-callbacks.js';
