import { QmpCommandError } from '../errors';
import {
  CpuModelExpansionReplySchema,
  KvmInfoSchema,
  QueryCpuDefinitionsReplySchema,
  QueryMachinesReplySchema,
  TargetInfoSchema,
  VersionInfoSchema,
  type QmpClient,
} from '../qmp';
import type { Transport } from '../transport';
import type { LaunchOptions } from './launchOptions';
import type { QemuProbeRecord } from './probeRecord';
import { QemuSession } from './qemuSession';

/**
 * Ask one QEMU everything a capability report needs. The queries are
 * pipelined: QMP answers in order, and over SSH one round trip beats six.
 */
export async function queryCapabilities(qmp: QmpClient, binary: string, opts: Pick<LaunchOptions, 'accelerator' | 'machineType'>): Promise<QemuProbeRecord> {
  const expanded = opts.accelerator === 'kvm' ? 'host' : 'max';
  const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));
  const replies = [
    settle(qmp.execute('query-version', undefined, VersionInfoSchema)),
    settle(qmp.execute('query-target', undefined, TargetInfoSchema)),
    settle(qmp.execute('query-kvm', undefined, KvmInfoSchema)),
    settle(qmp.execute('query-machines', undefined, QueryMachinesReplySchema)),
    settle(qmp.execute('query-cpu-definitions', undefined, QueryCpuDefinitionsReplySchema)),
    settle(qmp.execute('query-cpu-model-expansion', { type: 'static', model: { name: expanded } }, CpuModelExpansionReplySchema)),
  ] as const;
  const [version, target, kvm, machines, definitions, expansion] = await Promise.all(replies);
  const get = <T>(r: { ok: true; v: T } | { ok: false; e: unknown }): T => {
    if (!r.ok) throw r.e;
    return r.v;
  };
  // query-kvm is absent from QEMU builds without KVM support; that is an answer, not a failure.
  const kvmInfo = !kvm.ok && kvm.e instanceof QmpCommandError && kvm.e.errorClass === 'CommandNotFound' ? null : get(kvm);
  return {
    binary,
    accelerator: opts.accelerator,
    machineType: opts.machineType,
    version: get(version),
    target: get(target),
    kvm: kvmInfo,
    machines: get(machines),
    definitions: get(definitions),
    hostExpansion: get(expansion),
  };
}

/** Start a paused QEMU (-machine none unless told otherwise), query it, shut it down. */
export async function probeQemu(transport: Transport, opts: LaunchOptions): Promise<QemuProbeRecord> {
  const session = await QemuSession.start(transport, opts);
  try {
    return await queryCapabilities(session.qmp, session.binary, opts);
  } finally {
    await session.shutdown();
  }
}
