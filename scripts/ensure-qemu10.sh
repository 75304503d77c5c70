#!/usr/bin/env bash
# Unpacks QEMU 10.0 from Debian's bookworm-backports beside the system's QEMU
# 7.2, never over it: the test suite uses it as a second real host's
# qemuBinary (mixed-version fleets, aliases, machine types, migration).
#
# apt runs with a private configuration (its own sources file, lists and
# archive cache under the cache directory), so the machine's apt sources and
# state are untouched even if this is killed half-way; dpkg -x unpacks the
# packages without installing them. Idempotent: a second run only checks.
# Its last line on stdout is the qemu-system-x86_64 to use.
set -euo pipefail
version=10.0.2
dir="${QEMU_CPU_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-cpu-dev}/qemu-$version"
bin="$dir/bin/qemu-system-x86_64"
if [ -x "$bin" ] && "$bin" -version 2>/dev/null | grep -q "version $version"; then echo "$bin"; exit 0; fi

work="$dir.partial"
rm -rf "$work"
mkdir -p "$work/apt/parts" "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/root" "$work/bin"
cat > "$work/apt/parts/bookworm-backports.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/apt/parts"
  -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache" -o "APT::Sandbox::User=root")
echo "qemu-cpu: unpacking QEMU $version from bookworm-backports into $dir" >&2
apt-get "${apt_opts[@]}" update -qq >&2
# seabios: QEMU 10's PC machines want a newer BIOS than bookworm's 1.16.2.
(cd "$work" && apt-get "${apt_opts[@]}" download -qq \
  "qemu-system-x86=1:$version*" "qemu-system-data=1:$version*" "qemu-system-common=1:$version*" seabios/bookworm-backports >&2)
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
missing=$(ldd "$work/root/usr/bin/qemu-system-x86_64" | awk '/not found/ {print $1}')
if [ -n "$missing" ]; then echo "qemu-cpu: QEMU $version needs libraries this machine lacks: $missing" >&2; exit 1; fi
# QEMU looks for its firmware and modules where the package would have put
# them (/usr/share/qemu, /usr/lib/.../qemu): 7.2's. Point it at its own; exec
# keeps the process QEMU itself (its pid, its command line).
cat > "$work/bin/qemu-system-x86_64" <<WRAPPER
#!/bin/sh
QEMU_MODULE_DIR='$dir/root/usr/lib/x86_64-linux-gnu/qemu'
export QEMU_MODULE_DIR
exec '$dir/root/usr/bin/qemu-system-x86_64' -L '$dir/root/usr/share/qemu' "\$@"
WRAPPER
chmod 755 "$work/bin/qemu-system-x86_64"
rm -rf "$work/apt" "$work"/*.deb "$dir"
mv "$work" "$dir"
"$bin" -version | grep -q "version $version"
echo "$bin"
