import { QmpCommandError, QmpProtocolError } from '../errors';
import { cpuSwitches } from '../model';
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
  machineType: string;
  model: string;
  enable: readonly string[];
  disable: readonly string[];
  qemuBinary?: string;
  timeouts?: Partial<Timeouts>;
  /**
   * Also expand (static) the same model with these switches instead, in the
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
  const cpuArg = cpuSwitches(req.model, req.enable, req.disable);
  const session = await QemuSession.start(transport, {
    accelerator: req.accelerator,
    machineType: req.machineType,
    cpu: cpuArg,
    qemuBinary: req.qemuBinary,
    timeouts: req.timeouts,
  });
  let record: Omit<CpuCheckRecord, 'unavailable' | 'unavailableSource'>;
  let unavailable: string[] | undefined;
  try {
    const props = switchProps(req.enable, req.disable);
    const also = req.alsoExpand;
    const [version, machines, definitions, expansion, cpus, alsoExpansion] = await Promise.all([
      session.qmp.execute('query-version', undefined, VersionInfoSchema),
      session.qmp.execute('query-machines', undefined, QueryMachinesReplySchema),
      // Under KVM this query costs about a third of the check's CPU (QEMU filters every model against the host), and only alias-of is read.
      namesItself(req.model) ? undefined : session.qmp.execute('query-cpu-definitions', undefined, QueryCpuDefinitionsReplySchema),
      session.qmp.execute('query-cpu-model-expansion', { type: 'static', model: { name: req.model, props } }, CpuModelExpansionReplySchema),
      session.qmp.execute('query-cpus-fast', undefined, QueryCpusFastReplySchema),
      also ? session.qmp.execute('query-cpu-model-expansion', { type: 'static', model: { name: req.model, props: switchProps(also.enable, also.disable) } }, CpuModelExpansionReplySchema) : undefined,
    ]);
    record = { binary: session.binary, accelerator: req.accelerator, machineType: req.machineType, version, machines, definitions, expansion, cpuArg, ...(alsoExpansion ? { alsoExpansion } : {}) };
    if (cpus.length === 0) {
      throw new QmpProtocolError({ host: transport.label, stage: 'qmp-protocol', what: 'QEMU reports no vCPU for the exact CPU check', why: 'query-cpus-fast returned an empty list' });
    }
    try {
      unavailable = await session.qmp.execute('qom-get', { path: cpus[0]['qom-path'], property: 'unavailable-features' }, StringListSchema);
    } catch (err) {
      // Before QEMU 4.1 the vCPU has no unavailable-features property; QEMU says so with a GenericError.
      if (!(err instanceof QmpCommandError) || err.errorClass !== 'GenericError') throw err;
    }
  } catch (err) {
    throw await session.explain(err);
  } finally {
    await session.shutdown();
  }
  if (unavailable !== undefined) return { ...record, unavailable: dedupe(unavailable), unavailableSource: 'qom-unavailable-features' };
  return { ...record, unavailable: await enforceRefusals(transport, req, cpuArg), unavailableSource: 'enforce-stderr' };
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
