import * as path from 'node:path';
import { repoRoot } from '../../../harness/paths';
import { startProviderProcess, type ProviderProcess } from './providerProcess';

export type { CheckFailure } from './providerProcess';

/** Pulumi's dynamic-provider host, as the engine starts it for every `pulumi-nodejs:dynamic` resource. */
export const DYNAMIC_PROVIDER_HOST = path.join(repoRoot, 'node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js');

/** The URN the engine would send; the host passes it to nobody. */
const URN = 'urn:pulumi:test::qemu-cpu::pulumi-nodejs:dynamic/qemu-cpu:CpuModelSelection::selection';

/** A running dynamic-provider host. */
export type DynamicProviderHost = ProviderProcess;

/**
 * Start the host and connect to it. The host takes the engine's address as
 * its one argument but only checks that it is there (main() in
 * cmd/dynamic-provider/index.js): no engine service is needed.
 */
export function startDynamicProviderHost(): Promise<DynamicProviderHost> {
  return startProviderProcess({ command: process.execPath, args: [DYNAMIC_PROVIDER_HOST, '127.0.0.1:1'], urn: URN });
}
