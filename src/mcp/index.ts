/** MCP tool servers: serving over stdio or Streamable HTTP, documented tools, and the demo's race vocabulary. */
export * from './serve.js';
export * from './tools.js';
export * from './races.js';
