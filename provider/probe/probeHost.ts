import * as os from 'node:os';
import { archProfile, guessArchitecture, HostCapabilitiesSchema, buildCapabilities, parseCpuinfo, startCheckCpus, startRecordsOf, withVcpuStarts, type ArchProfile, type HostCapabilities } from '../model';
import { connectionLabel, LocalTransport, type Connection, type Transport } from '../transport';
import { checkVcpuStart, probeQemu, readHostFacts, DEFAULT_TIMEOUTS, type HostFacts } from '../launcher';
import type { HostIdentity } from './fingerprint';
import { answerFingerprinted } from './fingerprinted';
import type { CacheMode } from './fingerprintCache';
import { useHost, type HostBounds } from './hostWork';
import { runBounded } from './runBounded';
import { sharedPool, type TransportPool } from './transportPool';
import { parseInput } from './parseInput';
import { ProbeRequestSchema, type ProbeRequest, type ProbeRequestInput } from './probeRequest';

/** Options that are not part of the request: they do not change the answer. */
export interface ProbeContext extends HostBounds {
  /** Reuse an open transport to this host instead of connecting. */
  transport?: Transport;
  /** The connection pool to take the SSH connection from; default the process-wide one. */
  pool?: TransportPool;
  /** How to use the fingerprint cache: 'use' (default), 'refresh' or 'off'. */
  cache?: CacheMode;
  /** The cache's directory; default $XDG_CACHE_HOME/qemu-cpu, else ~/.cache/qemu-cpu. */
  cacheDir?: string;
  /**
   * Also start one paused VM with each of host and max (max alone under TCG)
   * beside the probe's QEMU, and mark a model whose vCPU does not start as
   * not usable (models[].vcpuStart). Costs two more paused VMs on a cold
   * probe; the answer is cached with the rest. Default false.
   */
  vcpuStartCheck?: boolean;
}

/** What {@link probeOver} needs besides the transport and the request. */
export interface ProbeOverOptions extends Pick<ProbeContext, 'cache' | 'cacheDir' | 'vcpuStartCheck'> {
  /** The host's facts exec, when one is already under way over this transport (an exact-CPU check's). */
  facts?: Promise<HostFacts>;
}


/** The cache kind of capability probes. */
const KIND = 'probe';

/**
 * What this host can give a guest CPU, answered by QEMU itself: one paused
 * QEMU (`-machine none` unless told otherwise) for the QMP queries and one
 * exec for kernel, /dev/kvm, the QEMU binary, kvm parameters and
 * /proc/cpuinfo — the host's fingerprint. When the cache holds an answer for
 * the same request whose fingerprint still matches, that answer is returned
 * and no QEMU is started (see {@link probeOver}).
 */
export async function probeHost(input: ProbeRequestInput, ctx: ProbeContext = {}): Promise<HostCapabilities> {
  const request: ProbeRequest = parseInput(ProbeRequestSchema, input, 'probe request', input.connection ? safeLabel(input.connection) : undefined);
  const options: ProbeOverOptions = { cache: ctx.cache, cacheDir: ctx.cacheDir, vcpuStartCheck: ctx.vcpuStartCheck };
  if (ctx.transport) return probeOver(ctx.transport, request, options);
  if (!request.connection) return probeOver(new LocalTransport(), request, options);
  return useHost(ctx.pool ?? sharedPool, request.connection, (transport) => probeOver(transport, request, options), { hostTimeoutMs: ctx.hostTimeoutMs });
}

/** Options of {@link probeHosts}. */
export interface FleetProbeContext extends ProbeContext {
  /** How many hosts are asked at once; default 16. */
  concurrency?: number;
}

/**
 * Probe many hosts, at most `concurrency` at once, each over its pooled
 * connection and through the cache like {@link probeHost}. One failed host
 * never hides the others: one settled result per request, in order.
 */
export async function probeHosts(inputs: readonly ProbeRequestInput[], ctx: FleetProbeContext = {}): Promise<Array<PromiseSettledResult<HostCapabilities>>> {
  const { concurrency = DEFAULT_CONCURRENCY, ...probeCtx } = ctx;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  return runBounded(inputs, concurrency, (input) =>
    probeHost(input, probeCtx).then(
      (value): PromiseFulfilledResult<HostCapabilities> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason }),
    ),
  );
}

/** As FleetSelectionSchema's concurrency default. */
const DEFAULT_CONCURRENCY = 16;

/**
 * The probe itself, over an open transport: the facts exec and, unless the
 * cache answers, one paused QEMU (see {@link answerFingerprinted}).
 */
export async function probeOver(transport: Transport, request: ProbeRequest, options: ProbeOverOptions = {}): Promise<HostCapabilities> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...request.timeouts };
  const machineType = request.machineType ?? 'none';
  const factsPromise = options.facts ?? readHostFacts(transport, request.qemuBinary, timeouts.exec);
  // Keep a facts failure from surfacing as an unhandled rejection while the cache is read or QEMU runs.
  factsPromise.catch(() => undefined);
  return answerFingerprinted<HostCapabilities>(
    factsPromise,
    {
      kind: KIND,
      identity: hostIdentity(transport, request.connection),
      // layers: answers stored before blockers carried layers are in other slots. A start-checked answer says more than a plain one: its own slot.
      request: { machineType, accelerator: request.accelerator, qemuBinary: request.qemuBinary ?? null, layers: true, ...(options.vcpuStartCheck ? { vcpuStartCheck: true } : {}) },
      schema: HostCapabilitiesSchema,
      qemuVersionOf: (caps) => caps.qemu.version,
      ask: async () => {
        const probing = probeQemu(transport, { accelerator: request.accelerator, machineType, qemuBinary: request.qemuBinary, timeouts });
        probing.catch(() => undefined);
        // The models whose start is checked, the VMs that answer them (one per distinct vCPU: max under KVM is host's),
        // and the machine type a vCPU needs (the probe's, else the architecture's default), are the profile's.
        const startChecks = (profile: ArchProfile) => {
          const models = profile.startChecked[request.accelerator];
          const sameAs = profile.startCheckedAs[request.accelerator];
          const checks = Promise.all(
            startCheckCpus(models, sameAs).map((cpu) =>
              checkVcpuStart(transport, { accelerator: request.accelerator, machineType: machineType === 'none' ? profile.defaultMachineType : machineType, model: cpu, qemuBinary: request.qemuBinary, timeouts }),
            ),
          ).then((vms) => startRecordsOf(models, sameAs, vms));
          checks.catch(() => undefined);
          return checks;
        };
        // Beside the probe's QEMU from the start, under the profile the configured binary's name suggests (x86_64 without one);
        // the facts (the binary found, uname) and then QEMU's query-target correct a wrong guess.
        let guessed = archProfile(guessArchitecture(request.qemuBinary));
        let starts = options.vcpuStartCheck ? startChecks(guessed) : Promise.resolve([]);
        const facts = await factsPromise;
        const fromFacts = archProfile(guessArchitecture(request.qemuBinary ?? facts.binary, facts.arch));
        // A replaced guess's VMs are still waited for: the probe ends with every QEMU it started.
        const replaced: Array<Promise<unknown>> = [];
        if (options.vcpuStartCheck && fromFacts !== guessed) {
          replaced.push(starts);
          starts = startChecks((guessed = fromFacts));
        }
        const probe = await probing;
        const caps = buildCapabilities({
          host: transport.label,
          probedAt: new Date().toISOString(),
          probe,
          facts: { kernelRelease: facts.kernelRelease, cpuinfo: facts.cpuinfo, uname: facts.arch },
        });
        // A wrong guess (a binary whose name does not say its architecture) is checked again under the right profile.
        const actual = archProfile(caps.arch);
        if (options.vcpuStartCheck && actual !== guessed) {
          replaced.push(starts);
          starts = startChecks(actual);
        }
        const checked = await starts;
        await Promise.allSettled(replaced);
        return withVcpuStarts(caps, checked);
      },
      // probedAt stays the time QEMU answered; the host CPU and kernel come from the facts just read.
      fromCache: (caps, facts) => ({
        ...caps,
        host: transport.label,
        kernelRelease: facts.kernelRelease.trim() || null,
        hostCpu: parseCpuinfo(facts.cpuinfo, transport.label, facts.arch),
        fromCache: true,
      }),
    },
    options,
  );
}

/** Who is asked: the label, and the SSH endpoint (never credentials) or this machine's name. */
export function hostIdentity(transport: Pick<Transport, 'label' | 'remote'>, connection?: Connection): HostIdentity {
  if (!connection) return transport.remote ? { label: transport.label } : { label: transport.label, local: os.hostname() };
  const via = connection.proxy ? { host: connection.proxy.host, port: connection.proxy.port, user: connection.proxy.user ?? null } : null;
  return { label: transport.label, ssh: { host: connection.host, port: connection.port, user: connection.user ?? null, via } };
}

function safeLabel(c: { name?: unknown; host?: unknown; port?: unknown }): string | undefined {
  if (typeof c.host !== 'string') return undefined;
  return connectionLabel({ name: typeof c.name === 'string' ? c.name : undefined, host: c.host, port: typeof c.port === 'number' ? c.port : 22 });
}
