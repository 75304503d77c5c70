import * as fs from 'node:fs';
import type { Accelerator } from '../provider/model/qemuNames';

/**
 * Whether this machine can run KVM guests: /dev/kvm exists and the test
 * user can read and write it. Some machines the suite runs on have no
 * /dev/kvm at all (a guest whose hypervisor offers no nested
 * virtualization); there the real-QEMU tests run under TCG, the tests that
 * only mean something under KVM are skipped with the reason in their name,
 * and the KVM request itself is tested to fail, never to fall back.
 */
export const kvmUsable: boolean = (() => {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

/** The accelerator the real-QEMU tests ask for on this machine: KVM where it works, else TCG, asked for explicitly. */
export const realAccel: Accelerator = kvmUsable ? 'kvm' : 'tcg';

/** Why KVM-only tests are skipped here, to append to their names; '' where KVM works. */
export const kvmSkipNote = kvmUsable ? '' : ' (skipped: no usable /dev/kvm on this machine)';

/** `it` where KVM works, `it.skip` elsewhere: for tests that only mean something under real KVM. */
export function itWithKvm(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  (kvmUsable ? it : it.skip)(`${name}${kvmSkipNote}`, fn, timeout);
}

/** `it` where KVM does not work: for tests of the refusal a KVM request meets there. */
export function itWithoutKvm(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  (kvmUsable ? it.skip : it)(`${name}${kvmUsable ? ' (skipped: this machine has KVM)' : ''}`, fn, timeout);
}

/**
 * A feature this machine's QEMU calls usable in a model's definition list
 * but cannot give a guest under {@link realAccel}: avx2 under the nested KVM
 * of the machines this project is built on, avx512f under TCG (QEMU 7.2's
 * TCG emulates AVX2, not AVX-512).
 */
export const unenforceableHere: string = kvmUsable ? 'avx2' : 'avx512f';

/** `describe` where KVM works, `describe.skip` elsewhere, with the reason in the title. */
export function describeWithKvm(name: string, fn: () => void): void {
  (kvmUsable ? describe : describe.skip)(`${name}${kvmSkipNote}`, fn);
}
