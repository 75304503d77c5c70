import type { LaunchOptions } from './launchOptions';

/**
 * QEMU's own arguments for a probe: paused (-S), no default devices, no
 * user config file, no display, QMP on stdio. -machine none creates no CPU;
 * a real machine type with -cpu creates the vCPU whose filtered features we read.
 */
export function qemuArgv(opts: Pick<LaunchOptions, 'accelerator' | 'machineType' | 'cpu'>): string[] {
  const argv = ['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', opts.machineType, '-accel', opts.accelerator];
  if (opts.cpu !== undefined) argv.push('-cpu', opts.cpu, '-smp', '1', '-m', '64');
  argv.push('-qmp', 'stdio');
  return argv;
}
