import { concreteModelNames, modelLevels, type HostCapabilities, type ModelLevel } from '../model';
import { LocalTransport, type Transport } from '../transport';
import { DEFAULT_TIMEOUTS, expandModels } from '../launcher';
import { useHost } from './hostWork';
import { parseInput } from './parseInput';
import type { ProbeContext } from './probeHost';
import { ProbeRequestSchema, type ProbeRequestInput } from './probeRequest';
import { sharedPool } from './transportPool';

/**
 * The x86-64 level each concrete named model reaches on the host `caps`
 * describes (a probe of the same request): one more paused QEMU on the host,
 * asked for the static expansion of every model, less what the probe says
 * the host cannot give each. Not cached: it is asked for explicitly
 * (`qemu-cpu probe --model-levels`).
 */
export async function probeModelLevels(input: ProbeRequestInput, caps: HostCapabilities, ctx: Pick<ProbeContext, 'pool' | 'hostTimeoutMs'> = {}): Promise<ModelLevel[]> {
  const request = parseInput(ProbeRequestSchema, input, 'probe request');
  const names = concreteModelNames(caps);
  const ask = (transport: Transport) =>
    expandModels(transport, { accelerator: request.accelerator, machineType: request.machineType ?? 'none', qemuBinary: request.qemuBinary, timeouts: { ...DEFAULT_TIMEOUTS, ...request.timeouts } }, names);
  const definitions = request.connection ? await useHost(ctx.pool ?? sharedPool, request.connection, ask, { hostTimeoutMs: ctx.hostTimeoutMs }) : await ask(new LocalTransport());
  return modelLevels(caps, definitions);
}
