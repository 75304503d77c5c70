#!/usr/bin/env bash
# Installs the Debian packages qemu-cpu's probe and tests use on this machine,
# when they are missing: QEMU (the ground truth), OpenSSH's server (the tests'
# loopback hosts) and setpriv (QEMU dies with its connection).
set -euo pipefail
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
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
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
