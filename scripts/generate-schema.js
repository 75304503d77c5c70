#!/usr/bin/env node
// Regenerates schema.json from the zod schemas (run after `npm run build`),
// then sdk/nodejs, sdk/python and sdk/go from schema.json with Pulumi's own
// generators (qemu-cpu-gen-sdk, built by scripts/install-pulumi.sh: needs Go).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { renderSchemaJson } = require('../dist/provider/surfaces/plugin/qemuCpuPackage.js');
const root = path.join(__dirname, '..');
fs.writeFileSync(path.join(root, 'schema.json'), renderSchemaJson());
const bin = execFileSync('bash', [path.join(__dirname, 'install-pulumi.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
execFileSync(path.join(bin, 'qemu-cpu-gen-sdk'), [path.join(root, 'schema.json'), path.join(root, 'sdk')], { stdio: 'inherit' });
// The generator replaces sdk/nodejs whole, its build output (bin/) included: build it again.
execFileSync('npm', ['run', '--silent', 'build:sdk'], { cwd: root, stdio: 'inherit' });
console.log('schema.json, sdk/nodejs, sdk/python and sdk/go written');
