import * as pulumi from '@pulumi/pulumi';
import { RENDERING_KEYS, type Accelerator, type HostVerdict, type MigrationVerdict, type Renderings, type SelectionLevel } from '../../model';
import type { SelectionInputsInput } from '../../inventory';
import { sealHostSecrets, type PublicHostEntry } from '../resource/hostSecrets';
import { SECRET_OUTPUTS, type AutoCpu } from '../resource';
import type { BaselineDrift } from '../../model';
import { cpuModelSelectionProvider } from './provider';

type HostEntryInput = NonNullable<SelectionInputsInput['hosts']>[number];

/**
 * The CPU in every output format (provider/model/render; schema.json
 * describes each): qemuCpuArg (the -cpu argument), libvirtCpuXml and
 * libvirtCpuXmlReason, and one set of fields per further format.
 */
export type RenderingOutputs = { readonly [K in keyof Renderings]: pulumi.Output<Renderings[K]> };

/** Every field of a plain type as a Pulumi input. */
type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/**
 * One KVM host: the SSH connection fields of @pulumi/command (plus
 * privateKeyPath, knownHostsPath, proxy) and optionally the QEMU binary.
 * password, privateKey and privateKeyPassword are always stored as secrets.
 */
export type HostConnectionArgs = Inputs<HostEntryInput>;

/**
 * CpuModelSelection's inputs, each a Pulumi input. SelectionInputsSchema
 * (provider/probe) is their one definition and describes every field:
 * hosts, model (an alias such as 'Skylake-Client', a versioned name such
 * as 'Skylake-Client-v4', or 'auto': the fleet baseline, pinned), requiredFeatures, disabledFeatures, machineType
 * (default 'q35', resolved on each host), accelerator (default 'kvm'),
 * concurrency, minimumLevel (x86-64-v1 to v4) and requireMigratable.
 */
export type CpuModelSelectionArgs = Inputs<Omit<SelectionInputsInput, 'hosts' | 'requiredFeatures' | 'disabledFeatures'>> & {
  hosts?: pulumi.Input<pulumi.Input<HostConnectionArgs>[]>;
  requiredFeatures?: pulumi.Input<pulumi.Input<string>[]>;
  disabledFeatures?: pulumi.Input<pulumi.Input<string>[]>;
};

/** CpuModelSelection's outputs from the renderers: the CPU in every output format. */
export interface CpuModelSelection extends RenderingOutputs {}

/**
 * Declares that these hosts must all run this guest CPU, as QEMU itself
 * answers it on each host: a paused VM with the exact machine type and
 * -cpu. `pulumi preview` fails with one failure per host that cannot
 * enforce it; `pulumi up` refuses it; `pulumi refresh` shows a host that no
 * longer can. Nothing is created on any host. With `model: 'auto'` the
 * fleet baseline is found and pinned; a later preview shows (as a change of
 * latestBaseline, and a warning) when the fleet's best CPU changed, and
 * keeps the pinned CPU (docs/provider.md).
 */
export class CpuModelSelection extends pulumi.dynamic.Resource {
  /** The hosts as asked, without their secrets. */
  declare readonly hostConnections: pulumi.Output<PublicHostEntry[]>;
  declare readonly model: pulumi.Output<string>;
  declare readonly requiredFeatures: pulumi.Output<string[]>;
  declare readonly disabledFeatures: pulumi.Output<string[]>;
  declare readonly machineType: pulumi.Output<string>;
  declare readonly accelerator: pulumi.Output<Accelerator>;
  /** Every host can enforce the CPU (as of the last create, update or refresh). */
  declare readonly enforceable: pulumi.Output<boolean>;
  /** The concrete model every host resolved the name to, e.g. 'Skylake-Client-v4'; the name as asked when hosts disagree. */
  declare readonly resolvedModel: pulumi.Output<string>;
  /** Per host name, the concrete model for that host's machine type. */
  declare readonly concreteModels: pulumi.Output<Record<string, string | null>>;
  /** The features the guest gets on every host. */
  declare readonly effectiveFeatures: pulumi.Output<string[]>;
  /** The x86-64 level (v1 to v4) of the guest CPU, per host and for the fleet, and what the next level (and minimumLevel) lacks. */
  declare readonly x86Level: pulumi.Output<SelectionLevel | undefined>;
  /** Whether a guest could live-migrate between the hosts, with a warning per reason it could not (machine types, invtsc, differing CPUs). */
  declare readonly migration: pulumi.Output<MigrationVerdict | undefined>;
  /** Per host: outcome (can, cannot, undecided) with stage, kind and message when not can, QEMU version, accelerator, machine type, missing features, when it was asked. */
  declare readonly reports: pulumi.Output<HostVerdict[]>;
  /** One line per host that cannot enforce the CPU, in the form Check reports; empty when enforceable. */
  declare readonly failures: pulumi.Output<string[]>;
  /** Model 'auto': the pinned CPU (the fleet baseline when created); resolvedModel, qemuCpuArg and libvirtCpuXml are this CPU. Never changed by a change of the fleet. */
  declare readonly pinnedSelection: pulumi.Output<AutoCpu | undefined>;
  /** Model 'auto': the fleet's best CPU as of the last check, update or refresh. */
  declare readonly latestBaseline: pulumi.Output<AutoCpu | undefined>;
  /** Model 'auto': how pinnedSelection compares with latestBaseline. */
  declare readonly baselineDrift: pulumi.Output<BaselineDrift | undefined>;

  constructor(name: string, args: CpuModelSelectionArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = Object.fromEntries(
      [
        'hostConnections',
        'enforceable',
        'resolvedModel',
        'concreteModels',
        ...RENDERING_KEYS,
        'effectiveFeatures',
        'x86Level',
        'migration',
        'reports',
        'failures',
        'pinnedSelection',
        'latestBaseline',
        'baselineDrift',
      ].map((k) => [k, undefined]),
    );
    super(
      cpuModelSelectionProvider,
      name,
      { ...outputs, ...args, hosts: sealHosts(args.hosts) },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS] },
      'qemu-cpu',
      'CpuModelSelection',
    );
  }
}

/** Mark every host's password, privateKey and privateKeyPassword secret, whatever the program did. */
function sealHosts(hosts: CpuModelSelectionArgs['hosts']): pulumi.Output<unknown[]> | undefined {
  if (hosts === undefined) return undefined;
  return pulumi.output(hosts).apply((list) => list.map((h) => sealHostSecrets(h as Record<string, unknown>, (v) => pulumi.secret(v))));
}
