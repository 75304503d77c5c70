#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
'use strict';
// The first two lines are read by sh when this file is run as a program (the installed `qemu-cpu`), and skipped
// by Node (a shebang, then a string and a comment): sh drops NODE_EXTRA_CA_CERTS and execs node on this file.
// With that variable set, Node 20 reads the file and builds its whole X.509 store while it starts, before any
// script runs (80 ms on the machines this is built on, more than the rest of a --help); qemu-cpu makes no TLS
// connection (SSH only, and its QEMU children never read it). `env -S` would do the same in one line, but
// BusyBox's env has no -S. `node bin/qemu-cpu.js` works the same, with Node's start as the caller's Node has it.
// The usage is answered by main alone. A command runs from one bundle, dist/cli/commands.js (scripts/bundle-cli.js;
// `npm run build` builds it), compiled with V8's code cache of an earlier run of the same command (docs/architecture.md, "How the CLI starts").
const path = require('node:path');
const { main } = require('../dist/provider/surfaces/cli/main.js');

const argv = process.argv.slice(2);
let bundle;
function loadCommands() {
  const { loadBundle, cacheSlot } = require('../dist/provider/surfaces/cli/bundleLoader.js');
  bundle = loadBundle(path.join(__dirname, '../dist/cli/commands.js'), cacheSlot(argv));
  return bundle.exports;
}
main(argv, undefined, loadCommands).then(
  (code) => {
    process.exitCode = code;
    // A run that could not decide (exit 2: a bad argument, an unreachable host) may have compiled little: it leaves the cache as it is.
    if (bundle && code !== 2) bundle.saveCodeCache();
  },
  (err) => {
    const missing = err && err.code === 'ENOENT' && !bundle ? ` (run 'npm run build' in ${path.join(__dirname, '..')})` : '';
    process.stderr.write(`qemu-cpu: internal error${missing}: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
