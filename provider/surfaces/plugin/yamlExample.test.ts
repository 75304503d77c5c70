/**
 * examples/yaml/Pulumi.yaml uses the plugin through schema.json only: its
 * tokens, property names and value types are checked here against it, as
 * Pulumi YAML's type checker would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../../test/support/paths';

type Spec = { type?: string; items?: Spec; additionalProperties?: Spec; $ref?: string };
type Obj = { properties: Record<string, Spec>; required?: string[] };

const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema.json'), 'utf8'));
const program = parse(fs.readFileSync(path.join(repoRoot, 'examples/yaml/Pulumi.yaml'), 'utf8'));

/** Every mismatch between a YAML value and a schema type; `${...}` interpolations are typed by what they reference. */
function mismatches(value: unknown, spec: Spec, where: string, refTypes: Record<string, string>): string[] {
  if (typeof value === 'string' && /^\$\{[^}]+\}$/.test(value)) {
    const t = refTypes[value.slice(2, -1).split('.')[0]];
    return t && spec.type && spec.type !== t ? [`${where}: ${value} is a ${t}, expected ${spec.type}`] : [];
  }
  if (spec.$ref) {
    const t = schema.types[spec.$ref.replace('#/types/', '')] as Obj | undefined;
    if (!t) return [`${where}: dangling ${spec.$ref}`];
    return objectMismatches(value, t, where, refTypes);
  }
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${where}: expected a string`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where}: expected an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${where}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: expected a boolean`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => mismatches(v, spec.items!, `${where}[${i}]`, refTypes)) : [`${where}: expected a list`];
    case 'object':
      return typeof value === 'object' && value ? Object.entries(value).flatMap(([k, v]) => mismatches(v, spec.additionalProperties ?? { type: 'string' }, `${where}.${k}`, refTypes)) : [`${where}: expected a map`];
  }
  return [`${where}: unknown type ${JSON.stringify(spec)}`];
}

function objectMismatches(value: unknown, obj: Obj, where: string, refTypes: Record<string, string>): string[] {
  if (typeof value !== 'object' || value === null) return [`${where}: expected an object`];
  const problems = Object.entries(value).flatMap(([k, v]) =>
    obj.properties[k] ? mismatches(v, obj.properties[k], `${where}.${k}`, refTypes) : [`${where}.${k}: no such property`],
  );
  for (const r of obj.required ?? []) if (!(r in value)) problems.push(`${where}.${r}: required`);
  return problems;
}

describe('examples/yaml/Pulumi.yaml against schema.json', () => {
  const refTypes: Record<string, string> = Object.fromEntries(Object.entries(program.config ?? {}).map(([k, v]) => [k, (v as { type: string }).type]));

  it('loads the plugin from this repository by path', () => {
    const providers = program.plugins.providers as Array<{ name: string; path: string }>;
    expect(providers).toEqual([{ name: 'qemu-cpu', path: '../../bin' }]);
    const executable = path.resolve(repoRoot, 'examples/yaml', providers[0].path, 'pulumi-resource-qemu-cpu');
    expect(fs.statSync(executable).mode & 0o111).not.toBe(0);
  });

  it('invokes getHostCpuCapabilities with arguments of the schema', () => {
    const invokes = Object.entries(program.variables).map(([name, v]) => [name, (v as Record<string, any>)['fn::invoke']] as const);
    expect(invokes.length).toBeGreaterThan(0);
    for (const [name, invoke] of invokes) {
      const fn = schema.functions[invoke.function];
      expect([name, fn ? 'known' : `unknown function ${invoke.function}`]).toEqual([name, 'known']);
      expect(objectMismatches(invoke.arguments, fn.inputs, `variables.${name}`, refTypes)).toEqual([]);
    }
  });

  it('declares a CpuModelSelection with properties of the schema', () => {
    const resources = Object.entries(program.resources as Record<string, { type: string; properties: unknown }>);
    for (const [name, r] of resources) {
      const spec = schema.resources[r.type];
      expect([name, spec ? 'known' : `unknown resource ${r.type}`]).toEqual([name, 'known']);
      expect(objectMismatches(r.properties, { properties: spec.inputProperties, required: spec.requiredInputs }, `resources.${name}`, refTypes)).toEqual([]);
    }
  });

  it('exports only outputs the schema declares', () => {
    for (const [key, expr] of Object.entries(program.outputs as Record<string, string>)) {
      const [, target, prop] = /^\$\{(\w+)\.(\w+)\}$/.exec(expr) ?? [];
      const resource = program.resources[target];
      const props = resource ? schema.resources[resource.type].properties : schema.functions[program.variables[target]['fn::invoke'].function].outputs.properties;
      expect([key, prop in props]).toEqual([key, true]);
    }
  });

  it('the checker catches a wrong property and a wrong type', () => {
    const spec = schema.resources['qemu-cpu:index:CpuModelSelection'];
    const obj = { properties: spec.inputProperties, required: spec.requiredInputs };
    expect(objectMismatches({ model: 'x', hosts: [{ host: 'h', port: 'ssh' }], colour: 'red' }, obj, 'r', {})).toEqual(['r.hosts[0].port: expected an integer', 'r.colour: no such property']);
  });
});
