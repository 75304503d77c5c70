#!/usr/bin/env bash
# Builds the real Pulumi CLI and the language hosts this project's real-engine
# tests use, from Go modules, into a cache directory outside the checkout
# keyed by version: $XDG_CACHE_HOME/qemu-cpu-dev/pulumi-<version>/bin.
#
# pkg/v3 carries `replace` directives (sdk/v3 => ../sdk, and atotto/clipboard
# => a fork), which `go install pkg@version` refuses; scripts/pulumi-tools is
# a small wrapper module that requires it and repeats the non-local replace,
# and `go build` builds the CLI from it. pulumi-yaml has no replace and is
# built with `go install` at its own version: it pins an older pkg/v3 whose
# API it needs (1.25.0 does not compile against pkg 3.276), and the language
# host talks to the CLI over gRPC, not through Go APIs.
#
# Idempotent: a second run only checks the stamp. Its last line on stdout is
# the bin directory.
#
# What the Go module proxy serves here: pkg/v3 (the CLI, with gen-sdk and
# get-schema) and pulumi-yaml (pulumi-language-yaml). It refuses the
# nodejs, python and go language host modules (403 "This module version is
# not available"), so programs in those languages cannot run here, and
# `pulumi package gen-sdk` (which hands the schema to a language host) is
# replaced by qemu-cpu-gen-sdk, built from the same pkg/v3 codegen.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=3.248.0
yaml_version=1.25.0
dir="${QEMU_CPU_DEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-cpu-dev}/pulumi-$version"
stamp="$dir/bin/.built-from"
want="pulumi=$version yaml=$yaml_version wrapper=$(cat "$here/pulumi-tools/go.mod" "$here/pulumi-tools/go.sum" "$here/pulumi-tools/gensdk/main.go" "$here/pulumi-resource-pulumi-nodejs" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$dir/bin/pulumi" version >/dev/null 2>&1; then
  echo "$dir/bin"; exit 0
fi
command -v go >/dev/null 2>&1 || { echo "qemu-cpu: Go is needed to build the Pulumi tools" >&2; exit 1; }
echo "qemu-cpu: building Pulumi $version and pulumi-language-yaml $yaml_version into $dir (first time: several minutes)" >&2
mkdir -p "$dir/bin.partial"
cd "$here/pulumi-tools"
export GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"
ldflags_cli="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
ldflags_yaml="-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$yaml_version"
nice go build -ldflags "$ldflags_cli" -o "$dir/bin.partial/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# Pulumi's own SDK generators, called directly: see gensdk/main.go for why.
nice go build -ldflags "-s -w" -o "$dir/bin.partial/qemu-cpu-gen-sdk" ./gensdk
(cd / && GOFLAGS=-trimpath GOBIN="$dir/bin.partial" nice go install -ldflags "$ldflags_yaml" "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$yaml_version")
install -m 0755 "$here/pulumi-resource-pulumi-nodejs" "$dir/bin.partial/pulumi-resource-pulumi-nodejs"
echo "$want" > "$dir/bin.partial/.built-from"
rm -rf "$dir/bin"
mv "$dir/bin.partial" "$dir/bin"
echo "$dir/bin"
