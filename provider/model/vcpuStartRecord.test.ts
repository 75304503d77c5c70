import { startCheckCpus, startRecordsOf, type VcpuStartRecord } from './vcpuStartRecord';

describe('start checks: one paused VM per distinct vCPU', () => {
  const sameAs = { max: 'host' };
  const hostVm: VcpuStartRecord = { model: 'host', cpu: 'host', machineType: 'q35', starts: false, qemuStderr: 'failed to set MSR 0x10a' };

  it('names one VM for models that are one vCPU, and one each otherwise', () => {
    expect(startCheckCpus(['host', 'max'], sameAs)).toEqual(['host']);
    expect(startCheckCpus(['max'], {})).toEqual(['max']);
    expect(startCheckCpus(['host', 'max'], {})).toEqual(['host', 'max']);
  });

  it("gives each model the record of the VM that answers it, under its own name, with the VM's -cpu", () => {
    expect(startRecordsOf(['host', 'max'], sameAs, [hostVm])).toEqual([hostVm, { ...hostVm, model: 'max' }]);
    expect(startRecordsOf(['max'], {}, [{ ...hostVm, model: 'max', cpu: 'max', starts: true, qemuStderr: null }])).toEqual([
      { model: 'max', cpu: 'max', machineType: 'q35', starts: true, qemuStderr: null },
    ]);
  });

  it('leaves out a model whose VM has no record, rather than inventing one', () => {
    expect(startRecordsOf(['host', 'max'], {}, [hostVm])).toEqual([hostVm]);
  });
});
