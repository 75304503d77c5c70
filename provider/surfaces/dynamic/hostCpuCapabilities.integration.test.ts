/**
 * The data source, run in the program as Pulumi recommends for dynamic
 * providers, against a real loopback sshd and real QEMU.
 */
import { randomBytes } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { getHostCpuCapabilities, getHostCpuCapabilitiesOutput } from '../../../sdk';
import { QemuCpuError } from '../../errors';
import { HostCapabilitiesSchema } from '../../model';
import { settle } from '../../../test/support/pulumiEngine';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { loopbackSshd } from '../../../harness/loopbackSshd';
import { realAccel } from '../../../harness/accel';

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

const loop = loopbackSshd();
const { pool } = loop;
beforeAll(() => registerSecret(PASSWORD));

describe('getHostCpuCapabilities', () => {
  it('answers with the capabilities model, over an encrypted key', async () => {
    const connection = { ...loop.sshd.connection({ name: 'kvm-a' }), privateKey: loop.sshd.privateKeyEncrypted, privateKeyPassword: loop.sshd.privateKeyPassphrase };
    const caps = await getHostCpuCapabilities({ connection, machineType: 'pc-q35-7.2', accelerator: 'tcg' }, { pool });
    recordOutput('provider/data source result', caps);
    expect(HostCapabilitiesSchema.parse(caps)).toEqual(caps);
    expect(caps).toEqual(expect.objectContaining({ host: 'kvm-a', accelerator: 'tcg', machineType: 'pc-q35-7.2' }));
    expect(caps.models.find((m) => m.name === 'qemu64-v1')?.usable).toBe(true);
  });

  it('as an Output: secret connection fields do not make the answer secret, since none reaches it', async () => {
    const result = getHostCpuCapabilitiesOutput({ connection: { ...loop.sshd.connection({ name: 'kvm-a' }), privateKey: pulumi.secret(loop.sshd.privateKey) }, accelerator: realAccel }, { pool });
    const settled = await settle(result);
    recordOutput('provider/data source output', settled);
    expect(settled).toEqual({ known: true, secret: false, value: expect.objectContaining({ host: 'kvm-a', accelerator: realAccel }) });
  });

  it('an unreachable host fails with the host and the stage, never the password', async () => {
    const err = await getHostCpuCapabilities({ connection: { name: 'dead', host: '127.0.0.1', port: 1, dialErrorLimit: 1, password: PASSWORD } }, { pool }).catch((e: unknown) => e);
    recordOutput('provider/data source error', err);
    expect(err).toBeInstanceOf(QemuCpuError);
    expect((err as QemuCpuError).message).toMatch(/^dead: could not connect/);
    expect((err as QemuCpuError).stage).toBe('connect');
  });
});
