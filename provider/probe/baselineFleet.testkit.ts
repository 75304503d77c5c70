import type { Sshd } from '../../harness/sshd';
import { fleetQemuBinary } from '../../test/support/modelExpansions';
import type { z } from 'zod';
import type { HostEntrySchema } from './selectionInputs';

type HostEntryInput = z.input<typeof HostEntrySchema>;

/**
 * The baseline tests' heterogeneous fleet behind one loopback sshd: hosts
 * replaying recorded QEMUs of an AMD EPYC 9654 (QEMU 9.2), an AMD Ryzen
 * 3900X (QEMU 7.2) and two Intel Skylake Xeons (QEMU 4.2). `tag` keeps one
 * test file's replay binaries apart from another's.
 */
export function replayedBaselineFleet(sshd: Sshd, tag: string): Promise<HostEntryInput[]> {
  const host = async (name: string, fixture: string) => ({ ...sshd.connection({ name }), qemuBinary: await fleetQemuBinary(fixture, tag) });
  return Promise.all([
    host('amd-genoa', '10.0.0+amdsev.x86_64.qmp.json'),
    host('amd-zen2', '7.2.0.x86_64.qmp.json'),
    host('intel-a', '4.2.0.x86_64.qmp.json'),
    host('intel-b', '4.2.0.x86_64.qmp.json'),
  ]);
}
