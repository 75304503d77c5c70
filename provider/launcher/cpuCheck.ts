import { QmpCommandError, QmpProtocolError } from '../errors';
import { archProfile, cpuSwitches, profileOfTarget, TargetInfoSchema, type Architecture } from '../model';
import {
  CpuModelExpansionReplySchema,
  QueryCpuDefinitionsReplySchema,
  QueryCpusFastReplySchema,
  QueryMachinesReplySchema,
  StringListSchema,
  VersionInfoSchema,
  type Accelerator,
  type CpuCheckRecord,
} from '../model';
import type { Transport } from '../transport';
import { enforceRefusals } from './enforceRefusals';
import type { Timeouts } from './launchOptions';
import { QemuSession } from './qemuSession';

/** One exact guest CPU to check: model plus explicit feature switches, names already canonical and validated. */
export interface CpuCheckRequest {
  accelerator: Accelerator;
  /** Absent: the architecture's default (q35, virt). */
  machineType?: string;
  /** The guest architecture the host's QEMU is expected to be (its -cpu syntax and how it reports what is missing); x86_64 when absent. */
  arch?: Architecture;
  model: string;
  enable: readonly string[];
  disable: readonly string[];
  qemuBinary?: string;
  timeouts?: Partial<Timeouts>;
  /**
   * Also expand the same model with these switches instead, in the
   * same VM: what the model gives with fewer switches, for a caller that
   * would otherwise start a second VM to learn it (the baseline).
   */
  alsoExpand?: { enable: readonly string[]; disable: readonly string[] };
}

/**
 * The ground truth for one CPU on one host: start a paused VM with exactly
 * this machine type and -cpu, and read which features QEMU filtered from the
 * vCPU. QEMU with accel kvm asks the kernel (KVM_GET_SUPPORTED_CPUID) and
 * applies the machine type's compat properties, so nothing is guessed.
 */
export async function checkCpu(transport: Transport, req: CpuCheckRequest): Promise<CpuCheckRecord> {
  const profile = archProfile(req.arch ?? 'x86_64');
  const machineType = req.machineType ?? profile.defaultMachineType;
  const cpuArg = cpuSwitches(req.model, req.enable, req.disable, profile.arch);
  const session = await QemuSession.start(transport, {
    accelerator: req.accelerator,
    machineType,
    cpu: cpuArg,
    qemuBinary: req.qemuBinary,
    timeouts: req.timeouts,
  });
  let record: Omit<CpuCheckRecord, 'unavailable' | 'unavailableSource'>;
  let unavailable: string[] | undefined;
  try {
    const props = switchProps(req.enable, req.disable);
    const also = req.alsoExpand;
    const [version, target, machines, definitions, expansion, cpus, alsoExpansion] = await Promise.all([
      session.qmp.execute('query-version', undefined, VersionInfoSchema),
      session.qmp.execute('query-target', undefined, TargetInfoSchema),
      session.qmp.execute('query-machines', undefined, QueryMachinesReplySchema),
      // Under KVM this query costs about a third of the check's CPU (QEMU filters every model against the host), and only alias-of is read.
      namesItself(req.model) ? undefined : session.qmp.execute('query-cpu-definitions', undefined, QueryCpuDefinitionsReplySchema),
      session.qmp.execute('query-cpu-model-expansion', { type: profile.expansionType, model: { name: req.model, props } }, CpuModelExpansionReplySchema),
      session.qmp.execute('query-cpus-fast', undefined, QueryCpusFastReplySchema),
      also ? session.qmp.execute('query-cpu-model-expansion', { type: profile.expansionType, model: { name: req.model, props: switchProps(also.enable, also.disable) } }, CpuModelExpansionReplySchema) : undefined,
    ]);
    if (profileOfTarget(target.arch) !== profile) {
      throw new ArchitectureMismatch(transport.label, profile.arch, target.arch);
    }
    record = { binary: session.binary, accelerator: req.accelerator, machineType, arch: profile.arch, version, machines, definitions, expansion, cpuArg, ...(alsoExpansion ? { alsoExpansion } : {}) };
    if (cpus.length === 0) {
      throw new QmpProtocolError({ host: transport.label, stage: 'qmp-protocol', what: 'QEMU reports no vCPU for the exact CPU check', why: 'query-cpus-fast returned an empty list' });
    }
    // aarch64 lists nothing (no vCPU unavailable-features): its QEMU refuses at start what it cannot give, so this VM lacks nothing (below).
    if (profile.missingReport === 'unavailable-features') {
      try {
        unavailable = await session.qmp.execute('qom-get', { path: cpus[0]['qom-path'], property: 'unavailable-features' }, StringListSchema);
      } catch (err) {
        // Before QEMU 4.1 the vCPU has no unavailable-features property; QEMU says so with a GenericError.
        if (!(err instanceof QmpCommandError) || err.errorClass !== 'GenericError') throw err;
      }
    }
  } catch (err) {
    throw await session.explain(err);
  } finally {
    await session.shutdown();
  }
  if (profile.missingReport === 'start-refusal') return { ...record, unavailable: [], unavailableSource: 'vm-start' };
  if (unavailable !== undefined) return { ...record, unavailable: dedupe(unavailable), unavailableSource: 'qom-unavailable-features' };
  return { ...record, unavailable: await enforceRefusals(transport, { ...req, machineType }, cpuArg), unavailableSource: 'enforce-stderr' };
}

/**
 * True for a model name that is never an alias: a versioned name (`-vN`) or
 * one of QEMU's host-derived and static models. Such a name resolves to
 * itself under every machine type, so query-cpu-definitions cannot add to it.
 */
export function namesItself(model: string): boolean {
  return /-v\d+$/.test(model) || model === 'host' || model === 'max' || model === 'base';
}

/** Feature switches as the props of a model expansion: on for enabled, off for disabled. */
function switchProps(enable: readonly string[], disable: readonly string[]): Record<string, boolean> {
  return Object.fromEntries([...enable.map((f) => [f, true]), ...disable.map((f) => [f, false])]);
}

function dedupe(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/**
 * The host's QEMU emulates another architecture than the check assumed (its
 * -cpu syntax and its report of what is missing differ): the caller asks
 * again with the architecture QEMU named.
 */
export class ArchitectureMismatch extends QmpProtocolError {
  readonly actual: string;
  constructor(host: string, expected: Architecture, actual: string) {
    super({ host, stage: 'qmp-protocol', what: `the host's QEMU emulates ${actual}, not ${expected}`, why: 'query-target named another architecture than the QEMU binary\'s name suggested', hint: 'Set qemuBinary to the QEMU of the architecture you mean.' });
    this.actual = actual;
  }
}
