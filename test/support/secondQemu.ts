import { runSetupScript } from './setupScript';

/** The environment entry global setup fills with QEMU 10.0's binary (scripts/ensure-qemu10.sh). */
export const SECOND_QEMU_ENV = 'QEMU_CPU_TEST_QEMU10';

/**
 * Unpack QEMU 10.0 beside the system's 7.2 (idempotent; seconds the first
 * time, milliseconds after) and return its binary. In CI a failure fails the
 * suite; elsewhere (no network, no apt) the tests that need it skip and say so.
 */
export function ensureSecondQemu(): string | undefined {
  const unpacked = runSetupScript('ensure-qemu10.sh');
  if ('provided' in unpacked) return unpacked.provided;
  process.stdout.write(`\nqemu-cpu tests: QEMU 10.0 could not be unpacked (${unpacked.skipped}); tests of a second QEMU are skipped.\n`);
  return undefined;
}

/** QEMU 10.0's qemu-system-x86_64, for a second real host's qemuBinary; undefined where it could not be unpacked. */
export const secondQemu: string | undefined = process.env[SECOND_QEMU_ENV] || undefined;

/** `it` where QEMU 10.0 is there, `it.skip` (saying so in its name) elsewhere. */
export function itWithSecondQemu(name: string, fn: (binary: string) => Promise<void>, timeout?: number): void {
  if (secondQemu) it(name, () => fn(secondQemu), timeout);
  else it.skip(`${name} (skipped: QEMU 10.0 could not be unpacked here)`, () => undefined);
}
