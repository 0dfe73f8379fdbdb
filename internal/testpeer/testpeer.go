// Package testpeer runs the external programs tests talk to (openssl,
// gnutls-cli, gnutls-serv, the tlskit binary) as child processes whose
// output a test can wait for. It is for tests only.
//
// A missing tool skips the test, except when the environment variable CI
// is set: there it fails, since .ci/run installs every tool.
package testpeer

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeout bounds every wait of this package.
const Timeout = 15 * time.Second

// Tool returns the path of an external program; it skips the test when the
// program is missing, except in CI.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed", name)
		}
		t.Fatalf("%s not installed (CI must install it): %v", name, err)
	}
	return path
}

// FreePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Proc is a running child process with its stdin open and its stdout and
// stderr collected.
type Proc struct {
	Name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu             sync.Mutex
	changed        chan struct{} // closed and replaced when output arrives or the process ends
	stdout, stderr bytes.Buffer
	exited         bool
	exitCode       int
	readers        sync.WaitGroup
}

// Start runs path with args and env added to the environment. The process
// is killed, if still running, when the test ends.
func Start(t testing.TB, env []string, path string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: path, cmd: exec.Command(path, args...), changed: make(chan struct{})}
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	p.start(t, env)
	return p
}

// StartInput is Start with input as the whole of the process's stdin,
// which ends after it: Write must not be called. Unlike Start and Write,
// no write can meet a process that has already exited (a peer that
// rejects the connection and exits may do so before the test writes).
// input must fit in a pipe's buffer (a few KiB are safe).
func StartInput(t testing.TB, env []string, input, path string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: path, cmd: exec.Command(path, args...), changed: make(chan struct{})}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.WriteString(w, input) // no reader yet: the buffer takes it
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = r.Close()
		t.Fatal(err)
	}
	p.cmd.Stdin = r
	p.stdin = r // CloseStdin closes the test's copy
	p.start(t, env)
	_ = r.Close() // the child has its own
	return p
}

// start starts p.cmd, stdin set, collecting its output.
func (p *Proc) start(t testing.TB, env []string) {
	t.Helper()
	p.cmd.Env = append(os.Environ(), env...)
	outR, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.readers.Add(2)
	go p.collect(outR, &p.stdout)
	go p.collect(errR, &p.stderr)
	go func() {
		p.readers.Wait()
		err := p.cmd.Wait()
		p.mu.Lock()
		p.exited, p.exitCode = true, p.cmd.ProcessState.ExitCode()
		if err != nil && p.exitCode == 0 {
			p.exitCode = -1
		}
		p.notifyLocked()
		p.mu.Unlock()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		p.waitExit()
	})
}

func (p *Proc) collect(r io.Reader, into *bytes.Buffer) {
	defer p.readers.Done()
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		p.mu.Lock()
		into.Write(buf[:n])
		p.notifyLocked()
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (p *Proc) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Write sends s to the process's stdin.
func (p *Proc) Write(t testing.TB, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		t.Fatalf("writing to %s: %v\n%s", p.Name, err, p.Output())
	}
}

// CloseStdin closes the process's stdin: it sees end of file.
func (p *Proc) CloseStdin() { _ = p.stdin.Close() }

// Signal sends sig to the process.
func (p *Proc) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// Stdout and Stderr return what the process wrote so far.
func (p *Proc) Stdout() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stdout.String() }
func (p *Proc) Stderr() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stderr.String() }

// Output returns both streams, for failure messages.
func (p *Proc) Output() string {
	return "--- stdout of " + p.Name + ":\n" + p.Stdout() + "\n--- stderr:\n" + p.Stderr()
}

// WaitStdout waits until stdout contains want and returns stdout; it fails
// the test when the process ends or Timeout passes first.
func (p *Proc) WaitStdout(t testing.TB, want string) string {
	t.Helper()
	return p.waitFor(t, "stdout", fmt.Sprintf("%q", want), &p.stdout, func(s string) bool { return strings.Contains(s, want) })
}

// WaitStderr is WaitStdout for stderr.
func (p *Proc) WaitStderr(t testing.TB, want string) string {
	t.Helper()
	return p.waitFor(t, "stderr", fmt.Sprintf("%q", want), &p.stderr, func(s string) bool { return strings.Contains(s, want) })
}

// StdoutLines waits until stdout has n complete lines and returns them.
func (p *Proc) StdoutLines(t testing.TB, n int) []string {
	t.Helper()
	out := p.waitFor(t, "stdout", fmt.Sprintf("%d lines", n), &p.stdout, func(s string) bool { return strings.Count(s, "\n") >= n })
	return strings.SplitN(out, "\n", n+1)[:n]
}

func (p *Proc) waitFor(t testing.TB, stream, what string, buf *bytes.Buffer, done func(string) bool) string {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		p.mu.Lock()
		s, exited, ch := buf.String(), p.exited, p.changed
		p.mu.Unlock()
		if done(s) {
			return s
		}
		if exited {
			t.Fatalf("%s ended before its %s had %s\n%s", p.Name, stream, what, p.Output())
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%s: no %s on %s after %v\n%s", p.Name, what, stream, Timeout, p.Output())
		}
	}
}

// Wait waits for the process to end and returns its exit code; it fails
// the test after Timeout.
func (p *Proc) Wait(t testing.TB) int {
	t.Helper()
	deadline := time.After(Timeout)
	for {
		p.mu.Lock()
		exited, code, ch := p.exited, p.exitCode, p.changed
		p.mu.Unlock()
		if exited {
			return code
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%s did not end within %v\n%s", p.Name, Timeout, p.Output())
		}
	}
}

func (p *Proc) waitExit() {
	for {
		p.mu.Lock()
		exited, ch := p.exited, p.changed
		p.mu.Unlock()
		if exited {
			return
		}
		<-ch
	}
}

// StartServer runs a server tool on a free port of 127.0.0.1 and waits
// until its output contains ready (with %d in ready replaced by the
// port); it retries on another port when the tool exits first or reports
// that it could not bind (the port was taken in between). It returns the
// process and the port.
func StartServer(t testing.TB, tool, ready string, args func(port int) []string) (*Proc, int) {
	t.Helper()
	path := Tool(t, tool)
	var last string
	for range 8 { // the port was free a moment ago: another program may take it
		port := FreePort(t)
		p := Start(t, nil, path, args(port)...)
		want := ready
		if strings.Contains(ready, "%d") {
			want = fmt.Sprintf(ready, port)
		}
		if p.waitReady(want) {
			return p, port
		}
		_ = p.cmd.Process.Kill()
		p.waitExit()
		last = p.Output()
	}
	t.Fatalf("%s did not start:\n%s", tool, last)
	return nil, 0
}

// waitReady reports whether a complete line of either stream shows ready
// before the process ends or Timeout passes. (Tools such as gnutls-serv print
// "listening ..." before they bind and "done" once they have.)
func (p *Proc) waitReady(ready string) bool {
	deadline := time.After(Timeout)
	for {
		p.mu.Lock()
		out := completeLines(p.stdout.String()) + completeLines(p.stderr.String())
		exited, ch := p.exited, p.changed
		p.mu.Unlock()
		if strings.Contains(out, ready) {
			return true
		}
		// A tool that failed to bind one address may go on with another
		// (gnutls-serv: IPv4 taken, IPv6 bound): not on the port asked.
		if exited || strings.Contains(out, "Address already in use") {
			return false
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

// completeLines cuts s after its last newline.
func completeLines(s string) string {
	return s[:strings.LastIndexByte(s, '\n')+1]
}

// Rerun runs the running test binary again with the same flags plus
// extraArgs, and env=value added to its environment; it returns the
// child's exit status. A package's TestMain uses it to run its tests a
// second time under another setting (another engine). In a fuzzing run
// (-test.fuzz, and its workers) or a listing (-test.list) it does nothing
// and returns 0.
func Rerun(env, value string, extraArgs ...string) int {
	for _, name := range []string{"test.fuzz", "test.fuzzworker", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return 0
		}
	}
	fmt.Printf("=== the tests again with %s=%s\n", env, value)
	cmd := exec.Command(os.Args[0], append(os.Args[1:len(os.Args):len(os.Args)], extraArgs...)...)
	cmd.Env = append(os.Environ(), env+"="+value)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return max(ee.ExitCode(), 1)
		}
		fmt.Fprintf(os.Stderr, "running the tests again with %s=%s: %v\n", env, value, err)
		return 1
	}
	return 0
}
