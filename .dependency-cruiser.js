/**
 * qemu-cpu's layer order, written down once (docs/architecture.md explains
 * it). dependency-cruiser checks every import of the sources against it;
 * test/architecture/layers.test.ts runs the check, so `npm test` and CI fail
 * on an upward or sideways import. By hand: `npm run --silent layers`.
 *
 * A module may import its own layer, the layers below it and nothing above.
 * Layers on one row may not import each other, except the pairs in SIDEWAYS.
 * Tests (*.test.ts, *.testkit.ts, test/) may import any layer; no production
 * module, nor harness/ or the bench, may import a test, and no production
 * module imports harness/ (what the tests and the bench share).
 */

/** Bottom first. Each entry is a folder under provider/. */
const LAYERS = [
  ['errors'],
  // Pure: the domain's names, patterns, schemas and the functions over them. Loads no I/O module.
  ['model'],
  ['transport'],
  ['qmp'],
  ['launcher'],
  ['probe'],
  // Fills the probe's host entries from Ansible inventories and ssh configs (file formats, file I/O).
  ['inventory'],
  ['surfaces/resource', 'surfaces/pulumiWire', 'surfaces/cli', 'surfaces/dynamic', 'surfaces/plugin'],
];

/** The sideways imports the code needs, each with its reason. */
const SIDEWAYS = [
  ['surfaces/dynamic', 'surfaces/resource', "CpuModelSelection's semantics are written once, in resource, for both Pulumi flavours."],
  ['surfaces/plugin', 'surfaces/resource', "CpuModelSelection's semantics are written once, in resource, for both Pulumi flavours."],
  ['surfaces/dynamic', 'surfaces/pulumiWire', "Pulumi's secret/unknown encoding and the engine log are written once, in pulumiWire, for both flavours."],
  ['surfaces/plugin', 'surfaces/pulumiWire', "Pulumi's secret/unknown encoding and the engine log are written once, in pulumiWire, for both flavours."],
];

const TESTS = '(\\.test\\.ts$|\\.testkit\\.ts$|^test/)';
const dir = (layer) => `^provider/${layer}/`;
const alternatives = (layers) => `^provider/(${layers.join('|')})/`;

const upward = LAYERS.flatMap((row, i) => {
  const above = LAYERS.slice(i + 1).flat();
  return above.length === 0
    ? []
    : row.map((layer) => ({
        name: `no-upward:${layer}`,
        comment: `${layer} may import only its own layer, the layers below it and nothing above (${above.join(', ')}).`,
        severity: 'error',
        from: { path: dir(layer), pathNot: TESTS },
        to: { path: alternatives(above) },
      }));
});

const sideways = LAYERS.flatMap((row) =>
  row.flatMap((layer) => {
    const allowed = SIDEWAYS.filter(([from]) => from === layer).map(([, to]) => to);
    const forbidden = row.filter((other) => other !== layer && !allowed.includes(other));
    return forbidden.length === 0
      ? []
      : [
          {
            name: `no-sideways:${layer}`,
            comment: `${layer} may not import ${forbidden.join(', ')} (same row; SIDEWAYS lists the exceptions).`,
            severity: 'error',
            from: { path: dir(layer), pathNot: TESTS },
            to: { path: alternatives(forbidden) },
          },
        ];
  }),
);

// A layer's index (or a sub-folder's: transport/ssh, model/qapi) exports only its own layer's modules.
const indexes = LAYERS.flat().map((layer) => ({
  name: `no-index-re-exports-another-layer:${layer}`,
  comment: `${layer}'s index exports only ${layer}'s modules: each layer imports the others directly, never through another layer's index.`,
  severity: 'error',
  from: { path: `${dir(layer)}[^.]*index[.]ts$`, pathNot: '[^/]index[.]ts$' },
  to: { path: '^provider/', pathNot: dir(layer) },
}));

module.exports = {
  forbidden: [
    ...upward,
    ...sideways,
    ...indexes,
    {
      name: 'no-tests-in-production',
      comment: 'Production modules, the harness and the bench import no test and no test support: the package ships without them.',
      severity: 'error',
      from: { path: '^(provider|sdk|harness|bench)/', pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'no-harness-in-production',
      comment: 'harness/ (the sshd, counting transport and raw QMP the tests and the bench share) is not shipped: production modules do not import it.',
      severity: 'error',
      from: { path: '^(provider|sdk)/', pathNot: TESTS },
      to: { path: '^harness/' },
    },
    {
      name: 'bench-and-sdk-on-top',
      comment: 'Nothing in provider/ imports the package entry (sdk/index.ts), the bench or the examples.',
      severity: 'error',
      from: { path: '^provider/', pathNot: TESTS },
      to: { path: '^(sdk/index\\.ts|bench/|examples/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|sdk/nodejs)/' },
    // Type-only imports count: a type from a layer above is as much a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
