/**
 * The fixed shell programs qemu-cpu runs on a host. Each runs as
 * `sh -c SCRIPT qemu-cpu ARG...`: user-supplied values only ever arrive as
 * positional parameters (validated, then quoted by the transport), never as
 * script text.
 */

/** Sets $b to the QEMU binary: $b if already set, else qemu-system-<arch> on PATH, else RHEL's qemu-kvm. */
const DISCOVER_BINARY = `[ -n "$b" ] || b=$(command -v "qemu-system-$(uname -m)" 2>/dev/null) || b=/usr/libexec/qemu-kvm`;

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
  DISCOVER_BINARY,
  `if [ ! -x "$b" ]; then echo "${MARKER}error=no-binary $b" >&2; exit 127; fi`,
  `if ! command -v setpriv >/dev/null 2>&1; then echo "${MARKER}error=no-setpriv" >&2; exit 127; fi`,
  `if [ "$a" = kvm ]; then`,
  `  if [ ! -e /dev/kvm ]; then echo "${MARKER}error=kvm-missing" >&2; exit 126; fi`,
  `  if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "${MARKER}error=kvm-denied $(id -un) $(stat -c %G /dev/kvm 2>/dev/null)" >&2; exit 126; fi`,
  'fi',
  `echo "${MARKER}pid=$$ binary=$b" >&2`,
  'exec setpriv --pdeathsig KILL -- "$b" "$@"',
].join('\n');

/**
 * Reports what a probe's answer depends on besides QEMU's replies: kernel,
 * arch, /dev/kvm access, the binary's identity, kvm module parameters and
 * the first processor of /proc/cpuinfo (all processors repeat its flags).
 *
 * $1: configured binary or ''.
 */
export const FACTS_SCRIPT = [
  'b=$1',
  'printf "kernel=%s\\narch=%s\\n" "$(uname -r)" "$(uname -m)"',
  'if [ ! -e /dev/kvm ]; then echo kvm=missing; elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo kvm=rw; else echo kvm=denied; fi',
  DISCOVER_BINARY,
  'printf "binary=%s\\n" "$b"',
  'printf "binarystat=%s\\n" "$(stat -L -c "%s %Y" "$b" 2>/dev/null)"',
  'for f in /sys/module/kvm/parameters/* /sys/module/kvm_intel/parameters/* /sys/module/kvm_amd/parameters/*; do',
  '  [ -f "$f" ] && [ -r "$f" ] && printf "kvmparam.%s=%s\\n" "${f#/sys/module/}" "$(head -c 256 "$f" 2>/dev/null | tr -d "\\n")"',
  'done',
  'echo "--- cpuinfo"',
  "sed '/^$/q' /proc/cpuinfo 2>/dev/null",
  'exit 0',
].join('\n');

/** Sends a signal to one process; $1: signal name, $2: pid (digits only). */
export const KILL_SCRIPT = 'kill -s "$1" "$2" 2>/dev/null; exit 0';

/** argv that runs a script with positional parameters on any transport. */
export function scriptArgv(script: string, args: readonly string[]): string[] {
  return ['sh', '-c', script, 'qemu-cpu', ...args];
}
