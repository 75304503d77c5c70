//go:build tools

// Package tools records the commands scripts/install-pulumi.sh builds, so
// that `go mod tidy` keeps their dependencies in go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	_ "qemu-cpu.dev/pulumi-tools/gensdk"
)
