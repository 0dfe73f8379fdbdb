package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestWriteVersion(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/tlskit/tlskit", Version: "v0.1.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-12-04T01:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var b bytes.Buffer
	writeVersion(&b, bi)
	want := "tlskit v0.1.0\nrevision: 0123456789abcdef+dirty\ntime: 2026-12-04T01:00:00Z\nmodule: github.com/tlskit/tlskit\ngo: go1.26.8\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	writeVersion(&b, &debug.BuildInfo{GoVersion: "go1.26.8"})
	if b.String() != "tlskit (devel)\ngo: go1.26.8\n" {
		t.Fatalf("no module version: got %q", b.String())
	}
}

// TestVersionBuilt builds the command from this checkout and checks that
// tlskit version reports the checkout's revision, as git does
// (-buildvcs=true: this machine's GOFLAGS turn stamping off).
func TestVersionBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !fi.IsDir() {
		t.Skip("a git worktree (.git is a file): go build stamps no VCS information there")
	}
	exe := filepath.Join(t.TempDir(), "tlskit")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(exe, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	// Go stamps a pseudo-version (v0.0.0-TIME-REV) or (devel).
	if v, ok := strings.CutPrefix(lines[0], "tlskit "); !ok || v != "(devel)" && !strings.HasPrefix(v, "v0.0.0-") {
		t.Errorf("first line %q, want tlskit and a version", lines[0])
	}
	if !strings.Contains(string(out), "revision: "+strings.TrimSpace(string(head))) {
		t.Errorf("no revision %s in\n%s", head, out)
	}
	if !strings.Contains(string(out), "module: github.com/tlskit/tlskit\n") {
		t.Errorf("no module line in\n%s", out)
	}
	_ = os.Remove(exe)
}
