/**
 * The fixed shell programs qemu-cpu runs on a host. Each runs as
 * `sh -c SCRIPT qemu-cpu ARG...`: user-supplied values only ever arrive as
 * positional parameters (validated, then quoted by the transport), never as
 * script text.
 */

/**
 * Sets $m to the machine arch (`uname -m`) without starting a program where
 * the kernel has /proc/sys/kernel/arch (Linux 6.1 and later); `uname` is
 * the fallback. Each program a script starts costs milliseconds of CPU on
 * every probe, and a command substitution forks even for a builtin.
 */
const READ_ARCH = '{ m=; read -r m < /proc/sys/kernel/arch; } 2>/dev/null; [ -n "$m" ] || m=$(uname -m)';

/**
 * Sets $b to the QEMU binary: $b if already set, else qemu-system-$m on
 * PATH (searched as `command -v` does, without a subshell), else RHEL's
 * qemu-kvm. Needs $m.
 */
const DISCOVER_BINARY = [
  'if [ -z "$b" ]; then',
  '  set -f; o=$IFS; IFS=:',
  '  for d in $PATH; do [ -f "${d:-.}/qemu-system-$m" ] && [ -x "${d:-.}/qemu-system-$m" ] && { b=${d:-.}/qemu-system-$m; break; }; done',
  '  IFS=$o; set +f',
  '  [ -n "$b" ] || b=/usr/libexec/qemu-kvm',
  'fi',
].join('\n');

/** Marks our own lines on stderr, apart from QEMU's. */
export const MARKER = 'qemu-cpu:';

/**
 * Starts QEMU so that it cannot outlive the connection that started it.
 *
 * QEMU does not exit when the QMP stream's stdin reaches EOF, and sshd does
 * not signal a non-pty session's command when the client disappears. So QEMU
 * is exec'd (no shell left in between) under `setpriv --pdeathsig KILL`: the
 * kernel SIGKILLs it as soon as its parent, the sshd session process (or the
 * local controller), exits. The PID is reported first on stderr so a clean
 * shutdown can escalate to TERM and KILL over a second channel.
 *
 * $1: accelerator (kvm|tcg), $2: configured binary or '', then QEMU's argv.
 */
export const LAUNCH_SCRIPT = [
  'a=$1; b=$2; shift 2',
  `if [ -z "$b" ]; then ${READ_ARCH}; fi`,
  DISCOVER_BINARY,
  `if [ ! -x "$b" ]; then echo "${MARKER}error=no-binary $b" >&2; exit 127; fi`,
  `if ! command -v setpriv >/dev/null 2>&1; then echo "${MARKER}error=no-setpriv" >&2; exit 127; fi`,
  // A note, not a refusal: QEMU itself decides whether KVM works (-accel kvm alone never falls back to TCG);
  // the note only lets a failure say why and how to fix it. `[` is a builtin: no program starts when access is fine.
  `if [ "$a" = kvm ]; then`,
  `  if [ ! -e /dev/kvm ]; then echo "${MARKER}note=kvm-missing" >&2;`,
  `  elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "${MARKER}note=kvm-denied $(id -un) $(stat -c %G /dev/kvm 2>/dev/null)" >&2; fi`,
  'fi',
  `echo "${MARKER}pid=$$ binary=$b" >&2`,
  'exec setpriv --pdeathsig KILL -- "$b" "$@"',
].join('\n');

/**
 * Reports what a probe's answer depends on besides QEMU's replies: kernel,
 * arch, /dev/kvm access, the binary's identity, kvm module parameters and
 * the first processor of /proc/cpuinfo (all processors repeat its flags).
 * These are the host's part of the probe cache's fingerprint, so the script
 * runs on every probe, warm or cold: on Linux 6.1 and later it starts one
 * program (stat) and nothing per parameter file; older kernels add uname.
 *
 * kvm module parameters come as `grep -H` would print them, `/sys/module/<path>:<line>`.
 *
 * $1: configured binary or ''.
 */
export const FACTS_SCRIPT = [
  'b=$1',
  '{ r=; read -r r < /proc/sys/kernel/osrelease; } 2>/dev/null',
  READ_ARCH,
  '[ -n "$r" ] || r=$(uname -r)',
  'printf "kernel=%s\\narch=%s\\n" "$r" "$m"',
  'if [ ! -e /dev/kvm ]; then echo kvm=missing; elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo kvm=rw; else echo kvm=denied; fi',
  DISCOVER_BINARY,
  'printf "binary=%s\\n" "$b"',
  'printf "binarystat=%s\\n" "$(stat -L -c "%s %Y" "$b" 2>/dev/null)"',
  // Shell builtins only from here: a program costs a fork and an exec (about 5 ms of CPU each on the
  // machines this is built on), and this script runs on every probe. Output as `grep -sH ""` and `sed '/^$/q'` gave it.
  'for f in /sys/module/kvm/parameters/* /sys/module/kvm_intel/parameters/* /sys/module/kvm_amd/parameters/* /sys/module/kvm_pvm/parameters/*; do',
  '  [ -f "$f" ] || continue',
  `  while IFS= read -r l || [ -n "$l" ]; do printf '%s:%s\\n' "$f" "$l"; done 2>/dev/null < "$f"`,
  'done',
  'echo "--- cpuinfo"',
  `while IFS= read -r l; do printf '%s\\n' "$l"; [ -n "$l" ] || break; done 2>/dev/null < /proc/cpuinfo`,
  'exit 0',
].join('\n');

/** Sends a signal to one process; $1: signal name, $2: pid (digits only). */
export const KILL_SCRIPT = 'kill -s "$1" "$2" 2>/dev/null; exit 0';

/** argv that runs a script with positional parameters on any transport. */
export function scriptArgv(script: string, args: readonly string[]): string[] {
  return ['sh', '-c', script, 'qemu-cpu', ...args];
}
