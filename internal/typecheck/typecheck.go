// Package typecheck type-checks small Go files against the module's
// packages, for tests that prove a misuse of an API is a compile error (an
// option given to a call that does not read it, say) rather than a
// runtime one.
package typecheck

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A Checker type-checks files that import some of a fixed set of packages.
type Checker struct {
	exports map[string]string // import path: its export data file
}

// New returns a Checker for files that import only the packages named by
// paths. It builds them and finds their export data with `go list
// -export`, so it needs the go command; it fails the test if that fails.
func New(t testing.TB, paths ...string) *Checker {
	t.Helper()
	args := append([]string{"list", "-export", "-f", "{{.ImportPath}}={{.Export}}"}, paths...)
	var stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export %s: %v\n%s", strings.Join(paths, " "), err, stderr.Bytes())
	}
	c := &Checker{exports: make(map[string]string)}
	for line := range strings.Lines(string(out)) {
		path, file, _ := strings.Cut(strings.TrimSpace(line), "=")
		c.exports[path] = file
	}
	return c
}

// Check type-checks src, the text of one Go file, and returns the first
// error, nil if it compiles.
func (c *Checker) Check(src string) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "snippet.go", src, 0)
	if err != nil {
		return err
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", c.lookup)}
	_, err = conf.Check(f.Name.Name, fset, []*ast.File{f}, nil)
	return err
}

func (c *Checker) lookup(path string) (io.ReadCloser, error) {
	file, ok := c.exports[path]
	if !ok {
		return nil, fmt.Errorf("typecheck: %s was not given to New", path)
	}
	return os.Open(file)
}
