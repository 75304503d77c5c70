#!/usr/bin/env node
// Bundles the CLI's commands (dist/provider/surfaces/cli/commands.js and
// what it requires: ssh2, zod and yaml included) into one file,
// dist/cli/commands.js, which bin/qemu-cpu.js hands to main for a command;
// `npm run build` runs this after tsc. One file spares a process the lookup,
// reading and wrapping of some 230 modules. The input is tsc's CommonJS
// output, so every require stays where tsc put it: a module loads when it
// is first required, in the bundle as in dist/ (a probe loads no YAML
// parser). The metafile beside the bundle lists its inputs
// (loadedModules.integration.test.ts reads it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const outfile = path.join(root, 'dist/cli/commands.js');

/**
 * ssh2's native addons stay outside the bundle, required from their
 * packages at run time: its crypto binding (built at install when a
 * compiler is there, else ssh2 uses Node's crypto) and cpu-features (it
 * orders the ciphers by what the CPU accelerates). ssh2 requires each
 * inside try/catch, so a missing one changes no answer.
 */
const ssh2Natives = {
  name: 'ssh2-natives',
  setup(build) {
    build.onResolve({ filter: /[/\\]sshcrypto\.node$/ }, () => ({ path: 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', external: true }));
    build.onResolve({ filter: /^cpu-features$/ }, () => ({ path: 'cpu-features', external: true }));
  },
};

esbuild
  .build({
    entryPoints: [path.join(root, 'dist/provider/surfaces/cli/commands.js')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Names and lines stay readable in an internal error's stack trace.
    minify: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [ssh2Natives],
  })
  .then((result) => {
    // bin/qemu-cpu.js runs the bundle as a vm.Script, where Node 20 gives import() no loader: tsc turns ours into require.
    if (/[^\w$.]import\(/.test(fs.readFileSync(outfile, 'utf8'))) throw new Error(`${outfile} holds a dynamic import(), which the CLI's bundle loader cannot run`);
    fs.writeFileSync(outfile.replace(/\.js$/, '.meta.json'), JSON.stringify(result.metafile));
  })
  .catch((err) => {
    // esbuild has printed its own errors.
    if (!err.errors) process.stderr.write(`bundle-cli: ${err.message}\n`);
    process.exit(1);
  });
