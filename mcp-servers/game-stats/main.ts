/**
 * game-stats MCP server (SYNTHETIC data from mcp-servers/data/games.csv).
 *
 *   node --import tsx mcp-servers/game-stats/main.ts              # stdio
 *   node --import tsx mcp-servers/game-stats/main.ts --http 3101  # http://127.0.0.1:3101/mcp
 *
 * GAMES_CSV overrides the dataset path.
 */
import { runMcpServer } from '../../src/mcp/index.js';
import { loadGames } from './data.js';
import { createGameStatsServer } from './server.js';

const table = loadGames(process.env.GAMES_CSV || undefined);
await runMcpServer(() => createGameStatsServer(table), {
  name: 'game-stats',
  description: `win rates, game lengths and matchup tables over ${table.size.toLocaleString('en-US')} ranked games (synthetic)`,
  defaultHttpPort: 3101,
});
