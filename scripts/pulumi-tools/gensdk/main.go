// Command qemu-cpu-gen-sdk writes the Node.js, Python and Go SDKs of a
// Pulumi package schema with Pulumi's own code generators
// (github.com/pulumi/pulumi/pkg/v3/codegen/{nodejs,python,go}), after
// binding and validating the schema with Pulumi's own binder.
//
// Why this exists instead of `pulumi package gen-sdk`: that command binds
// the schema and then hands it to the language host of each language
// (pulumi-language-nodejs, -python, -go), whose GeneratePackage calls these
// same functions. The Go module proxy this project's machines reach refuses
// those three language host modules, so the generators are called here
// directly, from the pkg/v3 module the pulumi CLI itself is built from.
//
// Usage: qemu-cpu-gen-sdk SCHEMA.json OUTDIR
// writes OUTDIR/nodejs, OUTDIR/python and OUTDIR/go, each replaced whole.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is the generator name the SDK files' headers carry, as the language hosts pass it.
const tool = "pulumi"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: qemu-cpu-gen-sdk SCHEMA.json OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "qemu-cpu-gen-sdk: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	bytes, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(bytes, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	// The package refers to no other package, so the loader is never asked for one.
	loader := schema.NewPluginLoader(nil)
	generators := map[string]func(*schema.Package) (map[string][]byte, error){
		"nodejs": func(p *schema.Package) (map[string][]byte, error) {
			return nodejs.GeneratePackage(tool, p, nil, nil, false, loader)
		},
		"python": func(p *schema.Package) (map[string][]byte, error) {
			return python.GeneratePackage(tool, p, nil, loader)
		},
		"go": func(p *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage(tool, p, nil)
		},
	}
	for _, language := range []string{"nodejs", "python", "go"} {
		// Each generator records its language's info on the package: bind afresh for each.
		pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
		if err != nil {
			return err
		}
		if diags.HasErrors() {
			return fmt.Errorf("%s is not a valid Pulumi package schema:\n%s", schemaPath, diags.Error())
		}
		files, err := generators[language](pkg)
		if err != nil {
			return fmt.Errorf("%s SDK: %w", language, err)
		}
		dir := filepath.Join(out, language)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		for name, text := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, text, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
