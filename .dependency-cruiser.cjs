// Layering of crs-gym, checked by test/layering.test.ts (dependency-cruiser): no import cycles, and no module
// imports a layer above its own. Data flows one way: data -> encoders -> retriever/simulator -> rewards -> env ->
// agent -> learner -> eval -> pipeline -> CLI. Type-only imports count too.
/** Folders by layer, lowest first; a folder may import its own layer and those below. */
const LAYERS = [
  ['src/core', 'src/config'],
  ['src/data', 'src/llm', 'src/nn'],
  ['src/encoders'],
  ['src/retriever', 'src/simulator'],
  ['rewards'],
  ['envs'],
  ['agents'],
  // The plugin loader sits with the learners: a rollout worker (src/learners) loads the main thread's plugins before
  // it builds anything, and the plugin layer needs nothing above the learners (it imports their registry).
  ['src/learners', 'src/plugins'],
  ['src/eval', 'src/export'],
  ['src/pipeline', 'src/remote'],
  ['src/play'],
  ['src/cli', 'src/index.ts'],
];

const escape = (folder) => folder.replace(/[.]/g, '\\.');
const pathOf = (folders) => `^(${folders.map(escape).join('|')})(/|$)`;

const upward = LAYERS.flatMap((folders, rank) => {
  const above = LAYERS.slice(rank + 1).flat();
  if (above.length === 0) return [];
  return [
    {
      name: `no-upward-from-${folders.join('+').replace(/[/.]/g, '-')}`,
      comment: `${folders.join(', ')} may not import a higher layer (${above.join(', ')})`,
      severity: 'error',
      from: { path: pathOf(folders) },
      to: { path: pathOf(above) },
    },
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'no-rewards-in-agents',
      comment: 'an agent does not see how it is graded: the reward components are the env\'s (teacher side)',
      severity: 'error',
      from: { path: '^agents/' },
      to: { path: '^rewards/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
