#!/usr/bin/env node
// Regenerates schema.json from the zod schemas, and sdk/nodejs from schema.json (run after `npm run build`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { renderSchemaJson } = require('../dist/provider/surfaces/plugin/qemuCpuPackage.js');
const { generateNodejsSdk } = require('../dist/provider/surfaces/plugin/nodejsSdk.js');
const root = path.join(__dirname, '..');
const schema = renderSchemaJson();
fs.writeFileSync(path.join(root, 'schema.json'), schema);
for (const [file, text] of Object.entries(generateNodejsSdk(JSON.parse(schema)))) {
  const target = path.join(root, 'sdk', 'nodejs', file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
}
console.log('schema.json and sdk/nodejs written');
