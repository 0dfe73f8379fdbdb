//go:build attack && linux

package attack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bin is the tlskit binary under attack, help the text of its serve --help.
var bin, help string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin = os.Getenv("TLSKIT_BIN")
	if bin == "" {
		dir, err := os.MkdirTemp("", "attack-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "tlskit")
		// Without -race: the suite measures the server's memory and
		// goroutines as users run it.
		out, err := exec.Command("go", "build", "-o", bin, "../../cmd/tlskit").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go build ./cmd/tlskit: %v\n%s", err, out)
			return 1
		}
	}
	out, err := exec.Command(bin, "serve", "--help").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s serve --help: %v\n%s", bin, err, out)
		return 1
	}
	help = string(out)
	code := m.Run()
	writeReport()
	return code
}

// hasFlag reports whether the binary's serve takes --name.
func hasFlag(name string) bool {
	return strings.Contains(help, "--"+name+" ")
}

// engines are the I/O engines every attack runs on.
func engines() []string {
	if e := os.Getenv("ATTACK_ENGINES"); e != "" {
		return strings.Split(e, ",")
	}
	return []string{"epoll", "portable"}
}

// combo is a protocol and an engine to attack it on.
type combo struct{ proto, engine string }

func (c combo) String() string { return c.proto + "/" + c.engine }

// combos are the protocols crossed with the engines; in the -short form
// each protocol runs on one engine only, in turn, so that every protocol
// and every engine is attacked at least once.
func combos(protos ...string) []combo {
	es := engines()
	var cs []combo
	for i, p := range protos {
		if testing.Short() {
			cs = append(cs, combo{p, es[i%len(es)]})
			continue
		}
		for _, e := range es {
			cs = append(cs, combo{p, e})
		}
	}
	return cs
}

// size is short in the -short form and full otherwise.
func size[T any](short, full T) T {
	if testing.Short() {
		return short
	}
	return full
}

// server is one running `tlskit serve` process.
type server struct {
	proto      string
	addr       string // 127.0.0.1:port
	metricsURL string
	stderr     string // the file its stderr goes to
	pid        int
	cmd        *exec.Cmd
	exited     chan struct{} // closed when the process has exited
	waitErr    error         // valid once exited is closed
	stopped    bool
}

var metricsRE = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/metrics`)

// startServer runs tlskit serve --proto proto --engine engine on a port
// the system picks, with metrics, and the extra args; it is stopped (and
// checked to exit cleanly) at the end of the test.
func startServer(t *testing.T, proto, engine string, args ...string) *server {
	t.Helper()
	all := []string{"serve", "--proto", proto, "--listen", "127.0.0.1:0",
		"--metrics", "127.0.0.1:0", "--engine", engine}
	all = append(all, args...)
	s := &server{proto: proto, stderr: filepath.Join(t.TempDir(), "stderr"), exited: make(chan struct{})}
	ef, err := os.Create(s.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	s.cmd = exec.Command(bin, all...)
	s.cmd.Stderr = ef
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.pid = s.cmd.Process.Pid
	lines := make(chan string, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, br)
	}()
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.stop(t) })
	t.Logf("%s %s (pid %d)", bin, strings.Join(all, " "), s.pid)
	var first string
	select {
	case first = <-lines:
	case <-s.exited:
		t.Fatalf("serve exited at once (%v):\n%s", s.waitErr, s.stderrTail())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve printed no URL in 30 s:\n%s", s.stderrTail())
	}
	u, err := url.Parse(first)
	if err != nil || u.Host == "" {
		t.Fatalf("serve's first line %q is not a URL", first)
	}
	s.addr = u.Host
	// The metrics address is logged before the URL is printed.
	for deadline := time.Now().Add(10 * time.Second); s.metricsURL == ""; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(s.stderr)
		s.metricsURL = metricsRE.FindString(string(b))
		if s.metricsURL == "" && time.Now().After(deadline) {
			t.Fatalf("no metrics URL in serve's log:\n%s", s.stderrTail())
		}
	}
	return s
}

// secure reports whether the server speaks TLS.
func (s *server) secure() bool { return s.proto == "tls" || s.proto == "wss" }

// websocket reports whether the server speaks WebSocket.
func (s *server) websocket() bool { return s.proto == "ws" || s.proto == "wss" }

// alive reports whether the process still runs.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stderrTail is the end of the server's log, for failure messages.
func (s *server) stderrTail() string {
	b, _ := os.ReadFile(s.stderr)
	if len(b) > 4000 {
		b = append([]byte("...\n"), b[len(b)-4000:]...)
	}
	return string(b)
}

// logSize is the size of the server's log so far.
func (s *server) logSize() int64 {
	fi, err := os.Stat(s.stderr)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logLines counts the lines of the server's log after its first from
// bytes, and the length of the longest.
func (s *server) logLines(from int64) (lines, longest int) {
	b, _ := os.ReadFile(s.stderr)
	if from > int64(len(b)) {
		return 0, 0
	}
	for line := range bytes.Lines(b[from:]) {
		lines++
		longest = max(longest, len(line))
	}
	return lines, longest
}

// crashed returns the start of a Go panic or fatal error in the server's
// log, or "".
func (s *server) crashed() string {
	b, _ := os.ReadFile(s.stderr)
	for _, marker := range []string{"panic: ", "fatal error: ", "goroutine 1 ["} {
		if i := bytes.Index(b, []byte(marker)); i >= 0 {
			end := min(len(b), i+3000)
			return string(b[i:end])
		}
	}
	return ""
}

// stop ends the server with SIGTERM, as an operator would, and checks
// that it exits with status 0 after its shutdown timeout.
func (s *server) stop(t *testing.T) {
	if s.stopped {
		return
	}
	s.stopped = true
	if !s.alive() {
		t.Errorf("the server exited during the test (%v):\n%s", s.waitErr, s.stderrTail())
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if s.waitErr != nil {
			t.Errorf("after SIGTERM the server exited with %v:\n%s", s.waitErr, s.stderrTail())
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("the server did not exit within 30 s of SIGTERM:\n%s", s.stderrTail())
	}
	if c := s.crashed(); c != "" {
		t.Errorf("the server's log shows a crash:\n%s", c)
	}
}

// goroutines is the server's go_goroutines metric.
func (s *server) goroutines() (int, error) {
	c := http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.metricsURL, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
	}
	return 0, errors.New("no go_goroutines in the metrics")
}
