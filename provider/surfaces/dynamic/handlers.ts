/**
 * What the serialized dynamic provider calls, loaded by path inside
 * Pulumi's dynamic-provider host process (see provider.ts). It adapts the
 * host's calling convention to the surface-neutral resource semantics.
 */
import { checkSelection, createSelection, diffSelection, readSelection, updateSelection } from '../resource';
import { dynamicEngineLog } from './engineLog';
import { dynamicWire } from './wire';

/** The key under which Pulumi keeps the serialized provider among the properties; the host adds it back. */
const PROVIDER_KEY = '__provider';

const wire = dynamicWire();

function own(props: Record<string, unknown>): Record<string, unknown> {
  const { [PROVIDER_KEY]: _provider, ...rest } = props;
  return rest;
}

/** Check; its messages (model 'auto': the pin, a changed fleet baseline) go to the engine's log. */
export async function check(olds: Record<string, unknown>, news: Record<string, unknown>) {
  const { inputs, failures, messages } = await checkSelection(own(news), wire, own(olds));
  for (const m of messages) await dynamicEngineLog().log(m.severity, `qemu-cpu: ${m.message}`);
  return { inputs, failures };
}

export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
  const { changes, replaces, deleteBeforeReplace } = diffSelection(own(olds), own(news), wire);
  return { changes, replaces, deleteBeforeReplace };
}

export async function create(inputs: Record<string, unknown>) {
  return createSelection(own(inputs), wire);
}

export async function read(id: string, props: Record<string, unknown>) {
  return readSelection(id, own(props), wire);
}

export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
  return updateSelection(id, own(olds), own(news), wire);
}
