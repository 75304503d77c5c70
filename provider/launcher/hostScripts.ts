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
 * The launch script's stdout line right before it execs QEMU: what comes
 * before it is a login shell's, after it QEMU's (QMP).
 */
export const QEMU_START_LINE = `${MARKER}start-qemu`;

/** The prefix of the guest name that tags one launch's processes: `-name guest=qemu-cpu-<tag>`. */
export const LAUNCH_TAG_PREFIX = 'guest=qemu-cpu-';

/**
 * Defines `sweep SIGNAL`: signals every process whose command line carries
 * this launch's tag ($t), the QEMU a forking qemuBinary wrapper left
 * behind included, and sets $n to how many it signalled. The pattern's
 * bracket keeps grep (whose own argv holds the pattern) and the scripts
 * (whose text holds `$t`, never its value after the prefix) from matching.
 */
const SWEEP = [
  'sweep() {',
  '  n=0',
  `  for f in $(grep -l -s -e "guest=[q]emu-cpu-$t" /proc/[0-9]*/cmdline); do`,
  '    f=${f#/proc/}; kill -s "$1" "${f%/cmdline}" 2>/dev/null && n=$((n+1))',
  '  done',
  '}',
].join('\n');

/**
 * Sets $s to the process whose end is the session's end: over SSH ($r is 1)
 * the nearest sshd (or dropbear) ancestor, the server's session process
 * (`sshd: user@notty`); on this machine the controller ($PPID). Runs in the
 * launch script itself, before QEMU exists. Without such an ancestor the
 * chain is already broken: the server forks each session's command into a
 * new session (setsid), so the parent of that session's leader is asked,
 * and pid 1 (the leader was orphaned: the session has ended) becomes 0,
 * a pid that is never alive. A function, so `set -f` and the loop leave
 * QEMU's arguments ("$@") alone.
 */
const SESSION_PROCESS = [
  'field() { v=; l=; { read -r l < "/proc/$1/stat"; } 2>/dev/null; l=${l##*) }; i=1; set -f; for x in $l; do [ "$i" = "$2" ] && { v=$x; break; }; i=$((i+1)); done; set +f; }',
  'session_process() {',
  '  s=$PPID; [ "$r" = 1 ] || return 0',
  '  p=$PPID',
  '  while [ "$p" -gt 1 ] 2>/dev/null; do',
  '    c=; { read -r c < "/proc/$p/comm"; } 2>/dev/null',
  '    case $c in sshd*|dropbear*) s=$p; return 0;; esac',
  '    field "$p" 2; p=${v:-1}',
  '  done',
  '  field $$ 4; field "${v:-0}" 2; s=${v:-0}; [ "$s" != 1 ] || s=0',
  '}',
  'session_process',
].join('\n');

/**
 * The launch's watchdog, a background `sh` (fds on /dev/null, so it holds
 * no channel open) that ends QEMU when the session ends, whatever the login
 * shell does. pdeathsig alone is not enough: dash, fish, tcsh and a
 * ForceCommand wrapper that does not `exec` stay as QEMU's parent, and sshd
 * never signals a non-pty session's command, so nothing kills them.
 *
 * Once the session process ($s) is gone it sweeps the tagged processes with
 * TERM, then KILL a second later, and goes on until QEMU ($q, the launch
 * script's pid, which QEMU takes over by exec) has ended and no tagged
 * process is left: a QEMU exec'd just after the session ended is caught
 * too. Otherwise it ends itself once QEMU has ended and no tagged process is
 * left. Polls once a second: one `sleep` per second while QEMU runs.
 */
const WATCHDOG = [
  SESSION_PROCESS,
  'q=$$',
  '(',
  '  alive() { l=; { read -r l < "/proc/$1/stat"; } 2>/dev/null; l=${l##*) }; case $l in ""|Z*|X*) return 1;; esac; }',
  SWEEP.replace(/^/gm, '  '),
  '  gone=',
  '  while :; do',
  '    alive "$s" || gone=1',
  '    if [ -n "$gone" ]; then sweep TERM; [ "$n" = 0 ] || { sleep 1; sweep KILL; }',
  '    elif alive "$q"; then sleep 1; continue; fi',
  '    alive "$q" || { sweep 0; [ "$n" = 0 ] && exit 0; }',
  '    sleep 1',
  '  done',
  ') </dev/null >/dev/null 2>&1 &',
].join('\n');

/**
 * Starts QEMU so that it cannot outlive the session that started it.
 *
 * QEMU does not exit when the QMP stream's stdin reaches EOF, and sshd does
 * not signal a non-pty session's command when the client disappears. So
 * QEMU is exec'd (no shell left in between) under `setpriv --pdeathsig
 * KILL`: the kernel SIGKILLs it as soon as its parent exits; and the
 * launch's watchdog (above) ends every process carrying the launch's tag
 * when the session ends, for the login shells that stay QEMU's parent and
 * for qemuBinary wrappers that fork. The PID is reported first on stderr so
 * a clean shutdown can escalate to TERM and KILL over a second channel.
 *
 * $1: accelerator (kvm|tcg), $2: configured binary or '', $3: the launch's
 * tag (hex), $4: 1 over SSH, else 0; then QEMU's argv.
 */
export const LAUNCH_SCRIPT = [
  'a=$1; b=$2; t=$3; r=$4; shift 4',
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
  WATCHDOG,
  `echo "${MARKER}pid=$$ binary=$b" >&2`,
  `echo "${QEMU_START_LINE}"`,
  `exec setpriv --pdeathsig KILL -- "$b" -name "${LAUNCH_TAG_PREFIX}$t" "$@"`,
].join('\n');

/** The facts script's first line. */
export const FACTS_START = '--- qemu-cpu facts';

/**
 * Reports what a probe's answer depends on besides QEMU's replies: kernel,
 * arch, /dev/kvm access, the binary's identity, kvm module parameters and
 * the first processor of /proc/cpuinfo (all processors repeat its flags).
 * These are the host's part of the probe cache's fingerprint, so the script
 * runs on every probe, warm or cold: on Linux 6.1 and later it starts one
 * program (stat) and nothing per parameter file; older kernels add uname.
 *
 * kvm module parameters come as `grep -H` would print them, `/sys/module/<path>:<line>`.
 * The output starts with {@link FACTS_START}: what a login shell's startup
 * files print before it is not the host's.
 *
 * $1: configured binary or ''.
 */
export const FACTS_SCRIPT = [
  `echo "${FACTS_START}"`,
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

/**
 * Sends a signal to a launch: its QEMU's pid, if known, and every process
 * carrying its tag. Prints how many processes it signalled (0: none is left).
 * $1: signal name, $2: pid (digits) or '', $3: the launch's tag.
 */
export const KILL_SCRIPT = [
  't=$3',
  SWEEP,
  'sweep "$1"',
  '[ -n "$2" ] && kill -s "$1" "$2" 2>/dev/null && n=$((n+1))',
  'echo "$n"; exit 0',
].join('\n');

/** argv that runs a script with positional parameters on any transport. */
export function scriptArgv(script: string, args: readonly string[]): string[] {
  return ['sh', '-c', script, 'qemu-cpu', ...args];
}
