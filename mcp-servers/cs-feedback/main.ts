/**
 * cs-feedback MCP server (SYNTHETIC data from mcp-servers/data/forum-posts.jsonl).
 *
 *   node --import tsx mcp-servers/cs-feedback/main.ts              # stdio
 *   node --import tsx mcp-servers/cs-feedback/main.ts --http 3102  # http://127.0.0.1:3102/mcp
 *
 * POSTS_JSONL overrides the dataset path.
 */
import { runMcpServer } from '../../src/mcp/index.js';
import { loadPosts } from './data.js';
import { createCsFeedbackServer } from './server.js';

const table = loadPosts(process.env.POSTS_JSONL || undefined);
await runMcpServer(() => createCsFeedbackServer(table), {
  name: 'cs-feedback',
  description: `search, sentiment and top issues over ${table.posts.length.toLocaleString('en-US')} forum posts in Korean and English (synthetic)`,
  defaultHttpPort: 3102,
});
