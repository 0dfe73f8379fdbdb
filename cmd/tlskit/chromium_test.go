package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// Headless Chromium loads the page tlskit serve gives on GET / and runs its
// ?selftest=3 (three text messages with non-ASCII text and one binary
// message, each of which must come back) against the WebSocket. Chromium
// and the server run in a network namespace with only loopback
// (testdata/chromium-selftest.sh), so the browser can reach nothing else.
func TestServeChromiumSelftest(t *testing.T) {
	t.Parallel()
	testpeer.Tool(t, "chromium")
	unshare := testpeer.Tool(t, "unshare")
	testpeer.Tool(t, "ip")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("testdata/chromium-selftest.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ proto, mode, path string }{
		{proto: "ws", mode: "echo", path: "/"},
		{proto: "wss", mode: "echo", path: "/ws"},
		{proto: "wss", mode: "chat", path: "/chat"},
	} {
		t.Run(tt.proto+" "+tt.mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			args := []string{"-n", "bash", script}
			if os.Geteuid() != 0 {
				args = append([]string{"-r"}, args...) // map us to root in a user namespace
			}
			cmd := exec.CommandContext(ctx, unshare, args...)
			// On timeout, kill the whole group: the script's server and
			// Chromium too, not only bash.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			cmd.WaitDelay = 5 * time.Second
			cmd.Env = append(os.Environ(), runMainEnv+"=1", "TLSKIT="+exe,
				"PROTO="+tt.proto, "MODE="+tt.mode, "WSPATH="+tt.path, "ENGINE="+testEngine)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), `<p id="result">selftest ok</p>`) {
				t.Fatalf("the page did not report selftest ok:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}
			// The page closes with 1000 "done" once every message is back.
			if want := `msg=disconnected id=\d+ status=1000 reason=done`; !regexp.MustCompile(want).MatchString(stderr.String()) {
				t.Errorf("the server did not log %s:\n%s", want, stderr.String())
			}
		})
	}
}
