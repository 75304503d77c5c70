import { recordOutput } from '../../../harness/secretSink';
import type { CheckFailure, DynamicProviderHost } from './dynamicProviderHost';
import { outsideSecrets, toPersistedState, toProviderWire } from './engineWire';

type Props = Record<string, unknown>;

/**
 * Record what a provider answered, as far as anything outside the engine
 * sees it: the engine's checkpoint (secrets encrypted) and the answer with
 * its secret envelopes closed. The provider-to-engine wire itself must carry
 * secrets (inside envelopes), exactly as the engine-to-provider wire does.
 */
export function recordAnswer(source: string, answer: unknown): void {
  recordOutput(`${source}:state`, toPersistedState(answer));
  recordOutput(source, outsideSecrets(answer));
}

/** Record an error and the host's stderr so far. */
export function recordFailure(source: string, err: unknown, host?: DynamicProviderHost): void {
  recordOutput(source, err);
  if (host) recordOutput(`${source}:host-stderr`, host.stderr());
}

/** The engine's diag line for a check failure (pkg/diag/errors.go: 2002 and 2003). */
export function checkFailureLine(type: string, name: string, failure: CheckFailure, inputs: Props): string {
  return failure.property === ''
    ? `${type} resource '${name}' has a problem: ${failure.reason}`
    : `${type} resource '${name}'s property '${failure.property}' value ${JSON.stringify(inputs[failure.property])} has a problem: ${failure.reason}`;
}

/** Check as the engine calls it: the program's inputs with secrets unwrapped (the host takes none). */
export async function engineCheck(host: DynamicProviderHost, programInputs: Props, olds: Props = {}): Promise<{ inputs: Props; failures: CheckFailure[] }> {
  const result = await host.check(olds, toProviderWire(programInputs));
  recordAnswer('provider/dynamic check', result);
  return result;
}

/**
 * What `pulumi up` does with a new dynamic resource: Check, and Create with
 * the checked inputs. Check failures stop it before Create, as in the engine.
 */
export async function engineCreate(host: DynamicProviderHost, programInputs: Props): Promise<{ id: string; outputs: Props; checked: Props } | { failures: CheckFailure[]; checked: Props }> {
  const checked = await engineCheck(host, programInputs);
  if (checked.failures.length > 0) return { failures: checked.failures, checked: checked.inputs };
  const created = await host.create(toProviderWire(checked.inputs));
  recordAnswer('provider/dynamic create', created);
  return { id: created.id, outputs: created.properties, checked: checked.inputs };
}
