/**
 * The layer rule of docs/ARCHITECTURE.md, checked by `npm run check:layers` (inside `npm test`).
 * A folder may import from its own folder and from lower layers, never from a higher one or a
 * sibling of its own layer; no cycles at all. Lowest layer first.
 */
const LAYERS = [
  ['lib'],
  ['domain', 'device-profiles'],
  ['config', 'formats'],
  ['store'],
  ['security', 'auth', 'stations'],
  ['ingest'],
  ['broker'],
  ['alerts', 'analytics'],
  ['bulletins', 'open', 'forward', 'cluster', 'simulators', 'automation', 'notify', 'validation'],
  ['api'],
  ['dashboard'],
];

const folder = (name) => `^${name.replace('-', '\\-')}/`;
const forbidden = [];
LAYERS.forEach((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  for (const name of layer) {
    const siblings = layer.filter((other) => other !== name);
    const targets = [...above, ...siblings];
    if (targets.length === 0) continue;
    forbidden.push({
      name: `layer-${name}`,
      comment: `${name}/ (layer ${i}) may import only from its own folder and lower layers`,
      severity: 'error',
      from: { path: folder(name), pathNot: '\\.test\\.ts$|/test-support/' },
      to: { path: `^(${targets.map((t) => t.replace('-', '\\-')).join('|')})/` },
    });
  }
});
// Nothing in a layer imports the composition root, the tests, the benchmarks or the tools.
forbidden.push({
  name: 'no-upward-to-root',
  severity: 'error',
  from: { path: `^(${LAYERS.flat().join('|').replaceAll('-', '\\-')})/`, pathNot: '\\.test\\.ts$|/test-support/' },
  to: { path: '^(app|main)\\.ts$|^(test|bench|tools)/' },
});
forbidden.push({
  name: 'no-circular',
  comment:
    'no runtime import cycles between files (a type-only import that closes a loop is allowed: it is erased at build time); cycles between folders are ruled out by the layer rules above',
  severity: 'error',
  from: { pathNot: '\\.test\\.ts$|^test/|^bench/' },
  to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
});
forbidden.push({
  name: 'not-to-unresolvable',
  severity: 'error',
  from: {},
  // vite's virtual module (dashboard/web/build/vn-map.ts) and a types-only package exist only at build time
  to: { couldNotResolve: true, pathNot: '^virtual:|^topojson-specification$' },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data|test-artifacts|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.mts', '.js', '.mjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
