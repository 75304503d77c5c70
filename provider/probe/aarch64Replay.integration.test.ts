/**
 * arm64 under KVM, which these x86 machines cannot run: the recorded KVM
 * session of QEMU 10.0 on an aarch64 host (libvirt's
 * caps_10.0.0_aarch64.replies, ../shared/fixtures/qmp/10.0.0.aarch64.qmp.json)
 * replayed over the real loopback sshd, and compared with libvirt's own
 * verdicts for it (domaincaps/qemu_10.0.0-virt.aarch64.xml). What the replay
 * cannot show (QEMU's real refusals under arm KVM) is listed in the README.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { probeHost } from './probeHost';
import { verifySelection } from './verifySelection';
import { findBaseline } from './baseline';
import { SelectionInputsSchema } from '../inventory';
import { loopbackSshd } from '../../harness/loopbackSshd';
import { qmpFixturesDir } from '../../harness/paths';
import { replayQemuBinary } from '../../test/support/replayHost';
import { renderCpu } from '../model';

interface DomainCapsMode {
  name: string;
  supported: string;
  enum?: { value: string | string[] } | Array<{ value: string | string[] }>;
  model?: Array<{ '#text': string; usable: string }>;
}

describe('aarch64 under KVM: the recorded QEMU 10.0 session on an arm64 host, replayed over SSH', () => {
  const loop = loopbackSshd();
  const { pool } = loop;
  const xml = fs.readFileSync(path.join(qmpFixturesDir, 'domaincaps/qemu_10.0.0-virt.aarch64.xml'), 'utf8');
  const caps = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).domainCapabilities;
  const modes: DomainCapsMode[] = caps.cpu.mode;
  const mode = (name: string) => modes.find((m) => m.name === name)!;

  it("the host model is the recorded host's: 128-bit SVE only, pauth, pmu, AArch32 EL1, KVM steal time; the models' usability unknown, as libvirt says", async () => {
    const answer = await probeHost(
      { connection: loop.sshd.connection({ name: 'arm-kvm' }), accelerator: 'kvm', qemuBinary: replayQemuBinary('10.0.0.aarch64.qmp.json', 'kvm') },
      { pool, cache: 'off' },
    );
    expect(answer).toMatchObject({ arch: 'aarch64', accelerator: 'kvm', qemu: { version: '10.0.0' }, hostModel: { name: 'host' } });
    expect(answer.hostModel.features).toEqual(['aarch64', 'kvm-steal-time', 'pauth', 'pmu', 'sve', 'sve128']);
    // libvirt: every custom model usable='unknown' (host excluded); ours: null, QEMU on arm does not say.
    const custom = mode('custom').model!.map((m) => m['#text']);
    expect(mode('custom').model!.every((m) => m.usable === 'unknown')).toBe(true);
    const ours = new Map(answer.models.map((m) => [m.name, m.usable]));
    for (const name of custom) expect(ours.get(name)).toBeNull();
    expect([...ours.keys()].sort()).toEqual([...custom, 'host'].sort());
    expect(answer.usabilityNote).toMatch(/under KVM only host and max generally work/);
  });

  it('the KVM path end to end on the recording: host start-checked usable, an exact check of host with 128-bit SVE and a baseline of two such hosts', async () => {
    const binary = replayQemuBinary('10.0.0.aarch64.qmp.json', 'kvm');
    const probed = await probeHost({ connection: loop.sshd.connection({ name: 'arm-kvm' }), accelerator: 'kvm', qemuBinary: binary }, { pool, cache: 'off', vcpuStartCheck: true });
    expect(probed.models.find((m) => m.name === 'host')).toMatchObject({ usable: true, vcpuStart: { machineType: 'virt', starts: true } });
    const hosts = [{ ...loop.sshd.connection({ name: 'arm-kvm-a' }), qemuBinary: binary }, { ...loop.sshd.connection({ name: 'arm-kvm-b' }), qemuBinary: binary }];
    const check = await verifySelection(SelectionInputsSchema.parse({ hosts, model: 'host', requiredFeatures: ['sve', 'sve128'], accelerator: 'kvm' }) as never, { pool, cache: 'off' });
    expect(check.hosts.map((h) => [h.outcome, h.arch, h.source])).toEqual([['can', 'aarch64', 'vm-start'], ['can', 'aarch64', 'vm-start']]);
    expect(check.qemuCpuArg).toBe('host,sve=on,sve128=on');
    const baseline = await findBaseline(SelectionInputsSchema.parse({ hosts, model: 'auto', accelerator: 'kvm' }) as never, { pool, probe: { cache: 'off' } });
    expect(baseline).toMatchObject({ ok: true, model: 'host' });
    expect(baseline.selection?.requiredFeatures).toEqual(['sve', 'sve128', 'aarch64', 'kvm-steal-time', 'pauth', 'pmu']);
    expect(baseline.selection?.disabledFeatures).toEqual([]);
  });

  it("libvirt's modes for this host match what the renderers write: host-passthrough and maximum supported, host-model not", async () => {
    expect(mode('host-passthrough').supported).toBe('yes');
    expect(mode('maximum').supported).toBe('yes');
    expect(mode('host-model').supported).toBe('no');
    const host = renderCpu({ model: 'host', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['pauth'], arch: 'aarch64' });
    expect(host.qemuCpuArg).toBe('host,sve=on,sve128=on,pauth=off');
  });
});
