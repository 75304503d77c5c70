import * as pulumi from '@pulumi/pulumi';
import type { HostCapabilities } from '../../model';
import { probeHost, type ProbeRequestInput, type TransportPool } from '../../probe';

/** getHostCpuCapabilities' arguments: ProbeRequestSchema (provider/probe) is their one definition. */
export type GetHostCpuCapabilitiesArgs = ProbeRequestInput & { connection: NonNullable<ProbeRequestInput['connection']> };

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The same arguments as Pulumi inputs, down to each connection field. */
export type GetHostCpuCapabilitiesOutputArgs = Inputs<Omit<GetHostCpuCapabilitiesArgs, 'connection'>> & {
  connection: pulumi.Input<Inputs<GetHostCpuCapabilitiesArgs['connection']>>;
};

/** What one host can give a guest CPU: HostCapabilitiesSchema (provider/model). */
export type GetHostCpuCapabilitiesResult = HostCapabilities;

/**
 * What one host can give a guest CPU, model by model, with reasons,
 * answered by QEMU on the host over SSH. A dynamic provider has no invokes,
 * so this runs in the program itself, over the process-wide connection
 * pool it shares with nothing else in the program.
 */
export function getHostCpuCapabilities(args: GetHostCpuCapabilitiesArgs, opts: { pool?: TransportPool } = {}): Promise<GetHostCpuCapabilitiesResult> {
  return probeHost(args, { pool: opts.pool });
}

/**
 * {@link getHostCpuCapabilities} over Pulumi inputs. The result holds no
 * credential (HostCapabilitiesSchema has none), so it is not secret even when
 * the connection's password or key is: those never reach the result.
 */
export function getHostCpuCapabilitiesOutput(args: GetHostCpuCapabilitiesOutputArgs, opts: { pool?: TransportPool } = {}): pulumi.Output<GetHostCpuCapabilitiesResult> {
  return pulumi.unsecret(pulumi.output(args).apply((plain) => getHostCpuCapabilities(plain as GetHostCpuCapabilitiesArgs, opts)));
}
