package topics

import (
	"go/build"
	"strings"
	"testing"
)

// Package topics imports the standard library alone: NATS is natsbus's.
func TestStandardLibraryOnly(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range p.Imports {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("topics imports %s", imp)
		}
	}
}
