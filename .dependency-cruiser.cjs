/**
 * Import rules, checked by `npm run lint`: no cycles, and layers that point one way:
 *   core ← {codec, infra, mcp, security} ← binding, governance ← {agent-kit, router, replay, gateway, push} ← cli
 * Applications (agents/, mcp-servers/, pipelines/) use the library only through its public entry points.
 */
const layer = (name, allowed) => ({
  name: `layer-${name}`,
  comment: `src/${name} may import only ${allowed.length ? allowed.join(', ') : 'nothing else in src'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)] },
});

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'import cycles (type-only imports included)', from: {}, to: { circular: true } },
    layer('core', []),
    layer('codec', ['core']),
    layer('infra', ['core']),
    layer('mcp', ['core']),
    layer('security', ['core']),
    layer('governance', ['core', 'codec']),
    layer('binding', ['core', 'codec', 'security']),
    layer('agent-kit', ['core', 'codec', 'binding', 'mcp', 'security']),
    layer('router', ['core', 'codec', 'binding', 'infra', 'security']),
    layer('replay', ['core', 'codec', 'binding', 'security']),
    layer('gateway', ['core', 'codec', 'binding', 'security']),
    layer('push', ['core', 'codec', 'binding', 'security']),
    {
      name: 'library-not-applications',
      comment: 'the library never imports the demo agents, MCP servers, pipelines, tests or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(agents|mcp-servers|pipelines|test|bench|scripts)/' },
    },
    {
      name: 'applications-use-entry-points',
      comment: 'agents, MCP servers and pipelines import src/<module>/index.ts only, as a user of the package would',
      severity: 'error',
      from: { path: '^(agents|mcp-servers|pipelines)/' },
      to: { path: '^src/', pathNot: '^src/[a-z-]+/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
