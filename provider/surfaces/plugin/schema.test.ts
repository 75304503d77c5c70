import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../harness/paths';
import { renderSchemaJson } from './qemuCpuPackage';
import { FUNCTION_TOKEN, RESOURCE_TOKEN } from './packageSchema';

type Props = Record<string, { description?: string; secret?: boolean }>;

describe('schema.json', () => {
  const committed = fs.readFileSync(path.join(repoRoot, 'schema.json'), 'utf8');
  const schema = JSON.parse(committed);

  it('is what the zod schemas generate (regenerate with `npm run schema`)', () => {
    expect(committed).toBe(renderSchemaJson());
  });

  it('declares the resource, the function and the shared types, with a description for every property', () => {
    expect(Object.keys(schema.resources)).toEqual([RESOURCE_TOKEN]);
    expect(Object.keys(schema.functions)).toEqual([FUNCTION_TOKEN]);
    for (const t of ['Connection', 'HostReport', 'CpuModel']) expect(schema.types).toHaveProperty([`qemu-cpu:index:${t}`]);
    const propertyBags: Props[] = [
      ...Object.values(schema.types as Record<string, { properties: Props }>).map((t) => t.properties),
      schema.resources[RESOURCE_TOKEN].inputProperties,
      schema.resources[RESOURCE_TOKEN].properties,
      schema.functions[FUNCTION_TOKEN].inputs.properties,
      schema.functions[FUNCTION_TOKEN].outputs.properties,
    ];
    for (const bag of propertyBags) for (const [name, p] of Object.entries(bag)) expect([name, typeof p.description === 'string' && p.description.length > 10]).toEqual([name, true]);
  });

  it('marks password, privateKey and privateKeyPassword secret wherever a connection appears', () => {
    const conn = schema.types['qemu-cpu:index:Connection'].properties as Props;
    for (const f of ['password', 'privateKey', 'privateKeyPassword']) expect(conn[f].secret).toBe(true);
    const secretPaths = [...committed.matchAll(/"(password|privateKey|privateKeyPassword)": \{[^}]*\}/g)].map((m) => m[0]);
    expect(secretPaths.length).toBeGreaterThanOrEqual(6);
    for (const p of secretPaths) expect(p).toContain('"secret": true');
  });
});
