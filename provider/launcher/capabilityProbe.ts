import { KvmUnavailableError, QmpCommandError } from '../errors';
import {
  archProfile,
  guessArchitecture,
  requireTargetProfile,
  CpuModelExpansionReplySchema,
  KvmInfoSchema,
  QueryCpuDefinitionsReplySchema,
  QueryMachinesReplySchema,
  TargetInfoSchema,
  VersionInfoSchema,
  type QemuProbeRecord,
} from '../model';
import type { QmpClient } from '../qmp';
import type { Transport } from '../transport';
import type { LaunchOptions } from './launchOptions';
import { QemuSession } from './qemuSession';

/**
 * Ask one QEMU everything a capability report needs. The queries are
 * pipelined: QMP answers in order, and over SSH one round trip beats six.
 */
export async function queryCapabilities(qmp: QmpClient, binary: string, opts: Pick<LaunchOptions, 'accelerator' | 'machineType'>): Promise<QemuProbeRecord> {
  const expanded = opts.accelerator === 'kvm' ? 'host' : 'max';
  // The expansion type is the architecture's (x86 static, arm full only): guessed from the binary's name to pipeline it, confirmed by query-target below.
  const guessed = archProfile(guessArchitecture(binary));
  const expand = (type: 'static' | 'full') => qmp.execute('query-cpu-model-expansion', { type, model: { name: expanded } }, CpuModelExpansionReplySchema);
  const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));
  const replies = [
    settle(qmp.execute('query-version', undefined, VersionInfoSchema)),
    settle(qmp.execute('query-target', undefined, TargetInfoSchema)),
    settle(qmp.execute('query-kvm', undefined, KvmInfoSchema)),
    settle(qmp.execute('query-machines', undefined, QueryMachinesReplySchema)),
    settle(qmp.execute('query-cpu-definitions', undefined, QueryCpuDefinitionsReplySchema)),
    settle(expand(guessed.expansionType)),
  ] as const;
  const [version, target, kvm, machines, definitions, expansion] = await Promise.all(replies);
  const get = <T>(r: { ok: true; v: T } | { ok: false; e: unknown }): T => {
    if (!r.ok) throw r.e;
    return r.v;
  };
  // Failures are reported in command order: the first command that failed says what happened.
  const versionInfo = get(version);
  const targetInfo = get(target);
  // query-kvm is absent from QEMU builds without KVM support; that is an answer, not a failure.
  const kvmInfo = !kvm.ok && kvm.e instanceof QmpCommandError && kvm.e.errorClass === 'CommandNotFound' ? null : get(kvm);
  // KVM is never silently replaced by TCG: answers from a QEMU that is not using KVM are not KVM's answers.
  if (opts.accelerator === 'kvm' && kvmInfo !== null && !kvmInfo.enabled) {
    throw new KvmUnavailableError({
      host: qmp.host,
      stage: 'qmp-command',
      what: 'QEMU is not using KVM although KVM was asked for',
      why: `query-kvm reports present: ${kvmInfo.present}, enabled: false`,
      hint: "Check the kvm module and /dev/kvm on the host, or ask for accelerator 'tcg' explicitly.",
    });
  }
  // At the boundary: an architecture without a profile is a typed error here, before the model reads the record.
  const profile = requireTargetProfile(targetInfo.arch, qmp.host);
  const hostExpansion = profile.expansionType !== guessed.expansionType ? await expand(profile.expansionType) : get(expansion);
  return {
    binary,
    accelerator: opts.accelerator,
    machineType: opts.machineType,
    version: versionInfo,
    target: targetInfo,
    kvm: kvmInfo,
    machines: get(machines),
    definitions: get(definitions),
    hostExpansion,
  };
}

/** Start a paused QEMU (-machine none unless told otherwise), query it, shut it down. */
export async function probeQemu(transport: Transport, opts: LaunchOptions): Promise<QemuProbeRecord> {
  const session = await QemuSession.start(transport, opts);
  try {
    return await queryCapabilities(session.qmp, session.binary, opts);
  } catch (err) {
    throw await session.explain(err);
  } finally {
    await session.shutdown();
  }
}
