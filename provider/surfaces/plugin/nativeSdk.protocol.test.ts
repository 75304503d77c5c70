/**
 * sdk/nodejs (the typed classes Pulumi's generator wrote for the native
 * provider, built into sdk/nodejs/bin by `npm run build`) in a program run
 * under pulumi.runtime.setMocks, with every registration and invoke answered
 * by the plugin process over gRPC. Kept beside the real-engine tier
 * (yamlProgram.engine.test.ts) because no TypeScript program can run under
 * the real engine here: the Go module proxy refuses pulumi-language-nodejs.
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { repoRoot } from '../../../harness/paths';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { outsideSecrets, settle, startProviderProcess, type ProviderProcess } from '../../../test/support/pulumiEngine';

const URN = 'urn:pulumi:test::qemu-cpu::qemu-cpu:index:CpuModelSelection::guest';

describe('sdk/nodejs', () => {
  describe('in a program, against the plugin', () => {
    let sshd: Sshd;
    let plugin: ProviderProcess;
    beforeAll(async () => {
      sshd = await startSshd();
      registerSecret(sshd.privateKey);
      plugin = await startProviderProcess({ command: path.join(repoRoot, 'bin/pulumi-resource-qemu-cpu'), args: [], urn: URN });
    });
    afterAll(async () => {
      await plugin?.stop();
      await sshd?.stop();
    });

    it('declares a CpuModelSelection and calls getHostCpuCapabilities through the typed classes', async () => {
      const seen: Array<{ type: string; failures?: unknown }> = [];
      await pulumi.runtime.setMocks(
        {
          newResource: async (args) => {
            const checked = await plugin.check({}, args.inputs);
            seen.push({ type: args.type, failures: checked.failures });
            if (checked.failures.length > 0) throw new Error(checked.failures.map((f) => f.reason).join('\n'));
            const created = await plugin.create(checked.inputs);
            recordOutput('native sdk create', outsideSecrets(created));
            return { id: created.id, state: created.properties };
          },
          call: async (args) => {
            const { outputs, failures } = await plugin.invoke(args.token, args.inputs);
            if (failures.length > 0) throw new Error(failures.map((f) => f.reason).join('\n'));
            recordOutput('native sdk invoke', outputs);
            return outputs ?? {};
          },
        },
        'qemu-cpu-native',
        'test',
        false,
      );
      const sdk = require(path.join(repoRoot, 'sdk/nodejs/bin')) as typeof import('../../../sdk/nodejs/bin');
      const { privateKeyPath: _p, ...connection } = sshd.connection({ name: 'kvm-a' });
      const host = { ...connection, privateKey: pulumi.secret(sshd.privateKey) };
      const selection = new sdk.CpuModelSelection('guest', { model: 'pentium3', machineType: 'pc-q35-7.2', accelerator: 'tcg', hosts: [host] });
      const caps = sdk.getHostCpuCapabilitiesOutput({ connection: host, accelerator: 'tcg' });

      expect(sdk.CpuModelSelection.isInstance(selection)).toBe(true);
      expect(await settle(selection.qemuCpuArg)).toEqual({ known: true, value: 'pentium3-v1,enforce', secret: false });
      expect(await settle(selection.enforceable)).toEqual(expect.objectContaining({ value: true }));
      const capsValue = (await settle(caps)) as { value: { host: string; accelerator: string; models: unknown[] } };
      expect(capsValue.value.host).toBe('kvm-a');
      expect(capsValue.value.accelerator).toBe('tcg');
      expect(seen).toEqual([{ type: 'qemu-cpu:index:CpuModelSelection', failures: [] }]);
    });
  });
});
