import { buildCapabilities, type HostCapabilities } from '../model';
import { probeQemu, readHostFacts, DEFAULT_TIMEOUTS, connectionLabel, LocalTransport, type Transport } from '../launcher';
import { sharedPool, type TransportPool } from './transportPool';
import { parseInput } from './parseInput';
import { ProbeRequestSchema, type ProbeRequest, type ProbeRequestInput } from './probeRequest';

/** Options that are not part of the request: they do not change the answer. */
export interface ProbeContext {
  /** Reuse an open transport to this host instead of connecting. */
  transport?: Transport;
  /** The connection pool to take the SSH connection from; default the process-wide one. */
  pool?: TransportPool;
}

/**
 * What this host can give a guest CPU, answered by QEMU itself: one paused
 * QEMU (`-machine none` unless told otherwise) for the QMP queries and, in
 * parallel over the same connection, one exec for kernel, /dev/kvm and
 * /proc/cpuinfo.
 */
export async function probeHost(input: ProbeRequestInput, ctx: ProbeContext = {}): Promise<HostCapabilities> {
  const request: ProbeRequest = parseInput(ProbeRequestSchema, input, 'probe request', input.connection ? safeLabel(input.connection) : undefined);
  if (ctx.transport) return probeOver(ctx.transport, request);
  if (!request.connection) return probeOver(new LocalTransport(), request);
  return (ctx.pool ?? sharedPool).use(request.connection, (transport) => probeOver(transport, request));
}

/** The probe itself, over an open transport. */
export async function probeOver(transport: Transport, request: ProbeRequest): Promise<HostCapabilities> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...request.timeouts };
  const machineType = request.machineType ?? 'none';
  const factsPromise = readHostFacts(transport, request.qemuBinary, timeouts.exec);
  // Keep a facts failure from surfacing as an unhandled rejection while QEMU runs.
  factsPromise.catch(() => undefined);
  const probe = await probeQemu(transport, {
    accelerator: request.accelerator,
    machineType,
    qemuBinary: request.qemuBinary,
    timeouts,
  });
  const facts = await factsPromise;
  return buildCapabilities({
    host: transport.label,
    probedAt: new Date().toISOString(),
    probe,
    facts: { kernelRelease: facts.kernelRelease, cpuinfo: facts.cpuinfo },
  });
}

function safeLabel(c: { name?: unknown; host?: unknown; port?: unknown }): string | undefined {
  if (typeof c.host !== 'string') return undefined;
  return connectionLabel({ name: typeof c.name === 'string' ? c.name : undefined, host: c.host, port: typeof c.port === 'number' ? c.port : 22 });
}
