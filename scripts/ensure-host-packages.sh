#!/usr/bin/env bash
# Installs the Debian packages qemu-cpu's probe and tests use on this machine,
# when they are missing: QEMU (the ground truth), OpenSSH's server (the tests'
# loopback hosts), setpriv (QEMU dies with its connection) and libvirt (the
# tests check that libvirt accepts every <cpu> XML the project emits and turns
# it into the same -cpu as qemuCpuArg), and the login shells the tests give
# throwaway SSH users (dash, zsh, fish, tcsh: provider/probe/loginShells.integration.test.ts), and
# qemu-system-arm for arm64 (aarch64) hosts under TCG.
set -euo pipefail
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
# qemu-system-aarch64: the arm64 hosts' QEMU, tested under TCG (provider/probe/aarch64.integration.test.ts).
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing+=(qemu-system-arm)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
command -v virsh >/dev/null 2>&1 || missing+=(libvirt-clients)
[ -x /usr/sbin/libvirtd ] || missing+=(libvirt-daemon-system)
[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] || missing+=(libvirt-daemon-driver-qemu)
command -v dash >/dev/null 2>&1 || missing+=(dash)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
command -v tcsh >/dev/null 2>&1 || missing+=(tcsh)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "qemu-cpu: installing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "qemu-cpu: need root (or sudo) to install ${missing[*]}; install them and run again" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Without systemd (a container), package scripts must not try to start
# libvirtd and friends: a policy-rc.d that says "no" for the install only.
# The tests start libvirtd themselves (test/support/libvirtd.ts).
policy=""
if [ ! -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
