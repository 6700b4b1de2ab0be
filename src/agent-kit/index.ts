export * from './events.js';
export * from './card.js';
