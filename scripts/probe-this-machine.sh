#!/usr/bin/env bash
# `npm run probe`: what this machine can give a guest. Under KVM when this
# user can use /dev/kvm. Where it cannot, a KVM probe can only fail, so this
# says so first, loudly, and then shows what QEMU can emulate with TCG,
# asked for explicitly (`--accel tcg`): qemu-cpu itself never swaps KVM for TCG.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  exec node bin/qemu-cpu.js probe "$@"
fi
if [ -e /dev/kvm ]; then why="$(id -un) cannot read and write /dev/kvm (add the user to its group: usermod -aG kvm $(id -un))"; else why="/dev/kvm does not exist (no kvm module, or a hypervisor without nested virtualization)"; fi
cat >&2 <<NOTE
qemu-cpu: NO KVM ON THIS MACHINE: ${why}.
qemu-cpu: no KVM guest can run here. Showing what QEMU can EMULATE with TCG instead (qemu-cpu probe --accel tcg).
qemu-cpu: on a KVM host, \`qemu-cpu probe\` asks KVM; it never falls back to TCG on its own.
NOTE
exec node bin/qemu-cpu.js probe --accel tcg "$@"
