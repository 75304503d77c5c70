import { CpuRefusedError, problemOf } from '../errors';
import { connectionLabel, type Transport } from '../transport';
import { checkCpu } from '../launcher';
import { evaluateCpuCheck, expansionFeatureValues, normalizeSelection, refusedVerdict, type CpuCheckRecord, type HostVerdict, type NormalizedSelection } from '../model';
import type { Verifier } from './baselineExtras';
import type { BaselineHostContext } from './baselineHosts';
import { useHost } from './hostWork';
import { runBounded } from './runBounded';
import { connectionOf, type HostEntry } from './selectionInputs';
import { rememberVerdict, summarize, type SelectionReport } from './verifySelection';

/** What one host's VM of the model with every offered extra said. */
type HostAnswer =
  /** Nothing filtered: the model alone (expanded in the same VM) and the model with any of the extras are answered from it. */
  | { kind: 'clean'; record: CpuCheckRecord; alone: ReadonlySet<string>; probedAt: string; transport: Transport }
  /** KVM would not start that vCPU: any CPU with the same features is refused the same way. */
  | { kind: 'vcpu-refused'; err: CpuRefusedError; alone?: undefined; probedAt: string }
  /** Features missing, another refusal, or no answer: only a VM of its own answers another CPU. */
  | undefined;

/**
 * The winner in one paused VM per host: the newest candidate with every
 * extra the host models offer (`offered`, what commonExtraFeatures gives
 * before the model's own features are known), and in the same VM a static
 * expansion of the model alone. Where nothing is filtered, that VM answers
 * both questions the search asks next, the model alone and the model with
 * the extras it does not already give, because each of those CPUs has
 * exactly the features of one of the two expansions. Where KVM refuses to
 * start the vCPU, the refusal answers the second question (the same
 * features), and the model alone gets a VM of its own.
 *
 * @returns a Verifier that answers what the VMs answered and asks QEMU,
 *   through `fallback`, for every other CPU and host.
 */
export async function askAtOnce(
  ctx: BaselineHostContext,
  hosts: HostEntry[],
  base: NormalizedSelection,
  model: string,
  offered: readonly string[],
  concurrency: number,
  fallback: Verifier,
): Promise<Verifier> {
  const answers = await runBounded(hosts, concurrency, (entry) => askHost(ctx, entry, base, model, offered));
  const required = new Set(base.requiredFeatures);
  const allowed = new Set([...base.requiredFeatures, ...offered]);
  const cacheOptions = { cache: ctx.probe?.cache, cacheDir: ctx.probe?.cacheDir };

  // Per host, features the model alone gives there: the VM's expansion, or (refused hosts) the model's own ground truth once asked.
  const alone: Array<ReadonlySet<string> | undefined> = answers.map((a) => (a?.kind === 'clean' ? a.alone : undefined));

  /** One host's verdict on `sel` from its VM, or undefined where that VM does not answer it. */
  const derive = (i: number, sel: NormalizedSelection): HostVerdict | undefined => {
    const answer = answers[i];
    if (answer === undefined || sel.model !== model) return undefined;
    const asked = new Set(sel.requiredFeatures);
    if (![...required].every((f) => asked.has(f)) || ![...asked].every((f) => allowed.has(f))) return undefined;
    const name = connectionLabel(hosts[i]);
    if (asked.size === required.size) return answer.kind === 'clean' ? evaluateCpuCheck(name, { ...answer.record, expansion: answer.record.alsoExpansion! }, sel, answer.probedAt) : undefined;
    // The CPU asked has the VM's features only if every offered extra it leaves out is the model's own.
    const own = alone[i];
    if (own === undefined || !offered.every((f) => asked.has(f) || own.has(f))) return undefined;
    if (answer.kind === 'vcpu-refused') return refusedVerdict(name, sel, answer.err.refusal, problemOf(answer.err, name).message, answer.probedAt);
    return evaluateCpuCheck(name, answer.record, sel, answer.probedAt);
  };

  return async (asked, requiredFeatures, on = hosts) => {
    // Spelled as verifySelection spells it, so a derived verdict and an asked one are of the same selection.
    const sel = normalizeSelection({ ...base, model: asked, requiredFeatures }).selection;
    const index = on.map((entry) => hosts.indexOf(entry));
    const derived = index.map((i) => (i < 0 ? undefined : derive(i, sel)));
    const rest = on.filter((_, k) => derived[k] === undefined);
    const truth = rest.length > 0 ? await fallback(asked, requiredFeatures, rest) : undefined;
    if (asked === model && requiredFeatures.every((f) => required.has(f))) {
      rest.forEach((entry, k) => {
        const v = truth!.hosts[k];
        if (v.outcome === 'can') alone[hosts.indexOf(entry)] = new Set(v.effectiveFeatures);
      });
    }
    if (rest.length === on.length) return truth!;
    let next = 0;
    const verdicts = derived.map((v) => v ?? truth!.hosts[next++]);
    // As verifyOver would have: a later check of this CPU on an unchanged host is answered from the cache.
    await Promise.all(
      on.map((entry, k) => {
        const answer = answers[index[k]];
        if (derived[k] === undefined || answer?.kind !== 'clean') return undefined;
        return rememberVerdict(answer.transport, entry.qemuBinary, sel, derived[k]!, { ...cacheOptions, facts: ctx.factsOf(answer.transport, entry.qemuBinary), connection: connectionOf(entry) });
      }),
    );
    return summarize(sel, verdicts) satisfies SelectionReport;
  };
}

/** One host's VM of the model with every offered extra; never throws. */
async function askHost(ctx: BaselineHostContext, entry: HostEntry, base: NormalizedSelection, model: string, offered: readonly string[]): Promise<HostAnswer> {
  const probedAt = () => new Date().toISOString();
  try {
    return await useHost(
      ctx.pool,
      connectionOf(entry),
      async (transport): Promise<HostAnswer> => {
        const record = await checkCpu(transport, {
          accelerator: base.accelerator,
          machineType: base.machineType,
          model,
          enable: [...base.requiredFeatures, ...offered],
          disable: base.disabledFeatures,
          qemuBinary: entry.qemuBinary,
          alsoExpand: { enable: base.requiredFeatures, disable: base.disabledFeatures },
        });
        if (record.unavailable.length > 0 || record.alsoExpansion === undefined) return undefined;
        const alone = new Set([...expansionFeatureValues(record.alsoExpansion)].filter(([, on]) => on).map(([f]) => f));
        return { kind: 'clean', record, alone, probedAt: probedAt(), transport };
      },
      { hostTimeoutMs: ctx.probe?.hostTimeoutMs },
    );
  } catch (err) {
    if (err instanceof CpuRefusedError && err.refusal.kind === 'vcpu-start') return { kind: 'vcpu-refused', err, probedAt: probedAt() };
    return undefined;
  }
}
