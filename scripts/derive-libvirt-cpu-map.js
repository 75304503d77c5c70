#!/usr/bin/env node
// Derives provider/model/libvirtCpuMap.ts (data only) from the x86 CPU map of
// the installed libvirt (/usr/share/libvirt/cpu_map, Debian 12: libvirt 9.0)
// and from QEMU's query-cpu-definitions in the recorded sessions
// (../shared/fixtures/qmp). Run after `npm run build`:
//   node scripts/derive-libvirt-cpu-map.js
// test: provider/model/libvirtCpuMap.integration.test.ts checks the file
// against the installed map and this machine's QEMU.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { QEMU_X86_FEATURES } = require('../dist/provider/model/featureNames.js');

const root = path.join(__dirname, '..');
const mapDir = process.env.LIBVIRT_CPU_MAP_DIR || '/usr/share/libvirt/cpu_map';
const fixtures = path.join(root, '..', 'shared', 'fixtures', 'qmp');
const version = /(\d+\.\d+\.\d+)/.exec(execFileSync('virsh', ['--version'], { encoding: 'utf8' }))[1];

const attr = (tag, name) => new RegExp(`${name}='([^']*)'`).exec(tag)?.[1];
const files = fs.readdirSync(mapDir).filter((f) => /^x86_.*\.xml$/.test(f));

const models = new Set();
for (const f of files) for (const m of fs.readFileSync(path.join(mapDir, f), 'utf8').matchAll(/<model name='([^']+)'>/g)) models.add(m[1]);

// x86_features.xml: <feature name='L'> ... <alias name='Q' source='qemu'/> ... </feature>
const features = new Map();
const featureText = fs.readFileSync(path.join(mapDir, 'x86_features.xml'), 'utf8');
for (const block of featureText.matchAll(/<feature name='([^']+)'>([\s\S]*?)<\/feature>/g)) {
  const name = block[1];
  const spellings = [name, ...[...block[2].matchAll(/<alias [^>]*>/g)].filter((a) => attr(a[0], 'source') === 'qemu').map((a) => attr(a[0], 'name'))];
  for (const s of spellings) if (QEMU_X86_FEATURES.has(s)) features.set(s, name);
}

// QEMU's names for one fixed version: an alias whose target is not <alias>-vN (those follow the machine type's default version).
const named = new Map();
for (const f of fs.readdirSync(fixtures).filter((f) => f.endsWith('.x86_64.qmp.json') || f.includes('.x86_64'))) {
  const session = JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'));
  for (const x of session) {
    if (x.execute !== 'query-cpu-definitions') continue;
    for (const d of x.reply.return) {
      const target = d['alias-of'];
      if (!target || !models.has(d.name) || new RegExp(`^${d.name.replace(/[.+]/g, '\\$&')}-v\\d+$`).test(target)) continue;
      if (named.has(d.name) && named.get(d.name) !== target) throw new Error(`${d.name}: ${named.get(d.name)} and ${target} in different recordings`);
      named.set(d.name, target);
    }
  }
}

const list = (xs) => xs.map((x) => `  ${JSON.stringify(x)},`).join('\n');
const pairs = (m) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  [${JSON.stringify(k)}, ${JSON.stringify(v)}],`).join('\n');
const out = `/**
 * libvirt ${version}'s x86 CPU map (Debian 12's libvirt), as data: derived by
 * scripts/derive-libvirt-cpu-map.js from /usr/share/libvirt/cpu_map and from
 * QEMU's query-cpu-definitions in the recorded sessions. Generated; do not
 * edit. libvirt before 10.0 knows no versioned (-vN) model names, so this is
 * the vocabulary an XML must keep to for every libvirt from ${version} on.
 */

/** The libvirt version whose map this is. */
export const LIBVIRT_CPU_MAP_VERSION = ${JSON.stringify(version)};

/** Every x86 CPU model name in libvirt's map (x86_*.xml). */
export const LIBVIRT_X86_MODELS: ReadonlySet<string> = new Set([
${list([...models].sort())}
]);

/**
 * QEMU feature name (canonical, see featureNames.ts) to libvirt's name, for
 * every feature of x86_features.xml QEMU knows: by its own name or by one of
 * the aliases libvirt marks source='qemu'. A QEMU feature missing here has no
 * libvirt ${version} name at all.
 */
export const LIBVIRT_X86_FEATURES: ReadonlyMap<string, string> = new Map([
${pairs(features)}
]);

/**
 * libvirt model names that QEMU defines as an alias of one fixed version
 * (Skylake-Client-IBRS is Skylake-Client-v2 on every QEMU). A model's bare
 * name (Skylake-Client) is not listed: QEMU resolves it by the machine
 * type, to -v1 on every pc and q35 type from 4.1 on.
 */
export const QEMU_FIXED_ALIASES: ReadonlyMap<string, string> = new Map([
${pairs(named)}
]);
`;
fs.writeFileSync(path.join(root, 'provider', 'model', 'libvirtCpuMap.ts'), out);
console.log(`provider/model/libvirtCpuMap.ts: libvirt ${version}, ${models.size} models, ${features.size} features, ${named.size} fixed aliases`);
