import type { z } from 'zod';
import { objectSpec, type ConversionContext, type PulumiObjectSpec } from './zodToPulumi';

/** The package name and the tokens it defines. */
export const PACKAGE = 'qemu-cpu';
export const RESOURCE_TOKEN = `${PACKAGE}:index:CpuModelSelection`;
export const FUNCTION_TOKEN = `${PACKAGE}:index:getHostCpuCapabilities`;
/** The Go SDK's import path: sdk/go/qemucpu of this repository's module. */
export const GO_IMPORT_BASE_PATH = 'github.com/qemu-cpu/qemu-cpu/sdk/go/qemucpu';

/** The zod schemas schema.json is generated from: the single sources of truth. */
export interface PackageSources {
  version: string;
  resourceInputs: z.AnyZodObject;
  resourceOutputs: z.AnyZodObject;
  functionInputs: z.AnyZodObject;
  functionOutputs: z.AnyZodObject;
  /** Shared objects with fixed type names. */
  named: ReadonlyMap<z.ZodTypeAny, string>;
  secretFields: readonly string[];
}

/** Build the Pulumi package schema (the contract for Pulumi YAML, Python, Go and .NET). Pure and deterministic. */
export function buildPackageSchema(src: PackageSources): Record<string, unknown> {
  const ctx: ConversionContext = { pkg: PACKAGE, named: src.named, secretFields: new Set(src.secretFields), types: {} };
  const inputs = objectSpec(src.resourceInputs, ctx, 'CpuModelSelectionArgs');
  const outputs = objectSpec(src.resourceOutputs, ctx, 'CpuModelSelection', 'output');
  const fnInputs = objectSpec(src.functionInputs, ctx, 'GetHostCpuCapabilitiesArgs');
  const fnOutputs = objectSpec(src.functionOutputs, ctx, 'GetHostCpuCapabilitiesResult', 'output');
  const sortKeys = (types: Record<string, PulumiObjectSpec>) => Object.fromEntries(Object.keys(types).sort().map((k) => [k, types[k]]));
  return {
    name: PACKAGE,
    displayName: 'qemu-cpu',
    version: src.version,
    description: 'Which guest CPU models and features KVM hosts can really give a VM, answered by QEMU itself over QMP; fails a preview on a CPU some host cannot enforce.',
    keywords: ['pulumi', 'kvm', 'qemu', 'libvirt', 'cpu', 'category/infrastructure'],
    license: 'Apache-2.0',
    meta: { moduleFormat: '(.*)' },
    config: {},
    provider: { description: 'The qemu-cpu provider. It needs no configuration: every host carries its own SSH connection.', type: 'object' },
    types: sortKeys(ctx.types),
    resources: {
      [RESOURCE_TOKEN]: {
        description:
          'Declares that these hosts must run this guest CPU. Check (and so `pulumi preview`) fails with one failure per host that cannot enforce it, naming the host, the concrete model and the missing features. Outputs the -cpu argument and libvirt <cpu> XML.',
        inputProperties: inputs.properties,
        requiredInputs: inputs.required,
        properties: outputs.properties,
        required: outputs.required,
        type: 'object',
      },
    },
    functions: {
      [FUNCTION_TOKEN]: {
        description: 'What one host can give a guest CPU, model by model, with reasons, answered by QEMU on the host.',
        inputs: { type: 'object', properties: fnInputs.properties, ...(fnInputs.required ? { required: fnInputs.required } : {}) },
        outputs: { type: 'object', properties: fnOutputs.properties, ...(fnOutputs.required ? { required: fnOutputs.required } : {}) },
      },
    },
    // What each language's SDK is called where users install it: the npm package, the Python distribution and module, the Go import path.
    language: {
      nodejs: { packageName: '@qemu-cpu/pulumi', dependencies: { '@pulumi/pulumi': '^3.0.0' }, respectSchemaVersion: true },
      python: { packageName: 'pulumi_qemu_cpu', requires: { pulumi: '>=3.0.0,<4.0.0' }, respectSchemaVersion: true },
      go: { importBasePath: GO_IMPORT_BASE_PATH, generateResourceContainerTypes: false, respectSchemaVersion: true },
    },
  };
}
