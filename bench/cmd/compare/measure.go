package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tlskit/tlskit/bench/internal/host"
	"github.com/tlskit/tlskit/bench/servers"
	"github.com/tlskit/tlskit/internal/loadgen"
)

// sample is what one round measured of one server.
type sample struct {
	echo, hs        *loadgen.Result
	paced           *loadgen.Result // fixed-rate load; nil when skipped
	baseRSS, idleKB int64           // VmRSS at start and with c.idle connections open
	idleRedials     int64           // idle connections that failed and were dialled again
	idleRedialErr   string          // the first such failure
	peakKB          int64           // VmHWM after the echo load
}

// serverResult collects a server's samples over the rounds.
type serverResult struct {
	s       servers.Server
	samples []sample
}

type tools struct {
	dir, tlskit, echoserver string
}

func build(c config) (tools, error) {
	dir, err := os.MkdirTemp("", "tlskit-compare-")
	if err != nil {
		return tools{}, err
	}
	t := tools{dir: dir, tlskit: filepath.Join(dir, "tlskit"), echoserver: filepath.Join(dir, "echoserver")}
	steps := [][]string{
		{"go", "build", "-C", c.root, "-o", t.tlskit, "./cmd/tlskit"},
		{"go", "build", "-o", t.echoserver, "./cmd/echoserver"},
	}
	for _, s := range steps {
		fmt.Println("$", strings.Join(s, " "))
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return t, fmt.Errorf("%s: %w", strings.Join(s, " "), err)
		}
	}
	return t, nil
}

func selected(c config) ([]servers.Server, error) {
	if len(c.only) == 0 {
		var out []servers.Server
		for _, s := range servers.All {
			if !s.IdleOnly || c.mode == "idle" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	var out []servers.Server
	for _, name := range c.only {
		s, err := servers.Lookup(name)
		if err != nil {
			return nil, err
		}
		if s.IdleOnly && c.mode != "idle" {
			return nil, fmt.Errorf("%s holds idle connections only: use -mode idle", s.Name)
		}
		out = append(out, s)
	}
	return out, nil
}

func measure(c config) ([]*serverResult, error) {
	list, err := selected(c)
	if err != nil {
		return nil, err
	}
	t, err := build(c)
	if !c.keepFiles {
		defer os.RemoveAll(t.dir)
	} else {
		fmt.Println("files in", t.dir)
	}
	if err != nil {
		return nil, err
	}
	c.profileDir = t.dir
	results := make([]*serverResult, len(list))
	for i, s := range list {
		results[i] = &serverResult{s: s}
	}
	for round := 1; round <= c.rounds; round++ {
		for i, s := range list {
			fmt.Printf("== round %d/%d: %s (%s)\n", round, c.rounds, s.Name, s.Proto)
			smp, err := measureOne(c, t, s, fmt.Sprintf("%s-%d", s.Name, round))
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", s.Name, round, err)
			}
			results[i].samples = append(results[i].samples, smp)
		}
	}
	return results, nil
}

// measureOne starts a fresh server process, reads its memory idle and with
// c.idle connections, runs the echo and handshake loads, and stops it.
func measureOne(c config, t tools, s servers.Server, tag string) (sample, error) {
	addr, err := host.FreeAddr()
	if err != nil {
		return sample{}, err
	}
	args := []string{"-impl", s.Name, "-addr", addr}
	var pprofAddr string
	if slices.Contains(c.profile, s.Name) {
		if pprofAddr, err = host.FreeAddr(); err != nil {
			return sample{}, err
		}
		args = append(args, "-pprof", pprofAddr)
	}
	srv := exec.Command(t.echoserver, args...)
	srv.Stderr = os.Stderr
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return sample{}, err
	}
	if err := srv.Start(); err != nil {
		return sample{}, err
	}
	defer stopProcess(srv)
	// The server prints "... listening on ADDR" once it is; libraries
	// may log other lines to stdout before it.
	rd := bufio.NewReader(stdout)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return sample{}, fmt.Errorf("server did not start: %w", err)
		}
		if strings.Contains(line, " listening on "+addr) {
			break
		}
	}
	go io.Copy(io.Discard, rd)
	pid := srv.Process.Pid
	url := s.Proto + "://" + addr
	if s.Proto == "ws" || s.Proto == "wss" {
		url += "/"
	}

	var smp sample
	if smp.baseRSS, err = host.Status(pid, "VmRSS"); err != nil {
		return smp, err
	}
	var whileIdle func() error
	if pprofAddr != "" {
		whileIdle = func() error {
			return saveHeapProfile(pprofAddr, filepath.Join(c.profileDir, tag+"-heap.pb.gz"))
		}
	}
	if smp.idleKB, smp.idleRedials, smp.idleRedialErr, err = idleRSS(c, url, s.Deflate, pid, whileIdle); err != nil {
		return smp, err
	}
	if s.IdleOnly {
		smp.echo = &loadgen.Result{}
		fmt.Printf("   %d KiB idle with %d conns (%d KiB at start); no load (idle only)\n", smp.idleKB, c.idle, smp.baseRSS)
		return smp, nil
	}
	echoArgs := []string{"--conns", strconv.Itoa(c.conns), "--size", strconv.Itoa(c.size),
		"--duration", c.duration.String(), "--warmup", c.warmup.String()}
	if s.Deflate {
		echoArgs = append(echoArgs, "--deflate")
	}
	if smp.echo, err = bench(t, url, filepath.Join(t.dir, tag+"-echo.json"), echoArgs); err != nil {
		return smp, err
	}
	if smp.peakKB, err = host.Status(pid, "VmHWM"); err != nil {
		return smp, err
	}
	if c.rate > 0 {
		paceArgs := []string{"--conns", strconv.Itoa(c.conns), "--size", strconv.Itoa(c.size), "--rate", strconv.FormatFloat(c.rate, 'g', -1, 64),
			"--duration", c.rateTime.String(), "--warmup", "500ms"}
		if smp.paced, err = bench(t, url, filepath.Join(t.dir, tag+"-rate.json"), paceArgs); err != nil {
			return smp, err
		}
	}
	if c.hsConns > 0 {
		hsArgs := []string{"--handshakes", "--conns", strconv.Itoa(c.hsConns), "--duration", c.hsTime.String(), "--warmup", "500ms"}
		if smp.hs, err = bench(t, url, filepath.Join(t.dir, tag+"-hs.json"), hsArgs); err != nil {
			return smp, err
		}
	}
	fmt.Printf("   %.0f msg/s, p99 %.0fµs (%.0fµs at a fixed rate), %.0f handshakes/s, %d KiB idle with %d conns (%d KiB at start), peak %d KiB\n",
		smp.echo.MsgsPerSec, smp.echo.Latency.P99, p99Of(smp.paced), handshakeRate(smp.hs), smp.idleKB, c.idle, smp.baseRSS, smp.peakKB)
	return smp, nil
}

// p99Of is a run's p99 latency, 0 for a run that was skipped.
func p99Of(r *loadgen.Result) float64 {
	if r == nil {
		return 0
	}
	return r.Latency.P99
}

// handshakeRate is a run's handshakes/s, 0 for a run that was skipped.
func handshakeRate(r *loadgen.Result) float64 {
	if r == nil {
		return 0
	}
	return r.HandshakesPerSec
}

// saveHeapProfile fetches the server's heap profile (after a GC) from its
// net/http/pprof address into file, for `go tool pprof`.
func saveHeapProfile(pprofAddr, file string) error {
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap?gc=1")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("heap profile: %s", resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	fmt.Println("   heap profile:", file)
	return f.Close()
}

// bench runs `tlskit bench` and reads its JSON result. A run with errors
// is still returned: its errors go into the report.
func bench(t tools, url, jsonFile string, args []string) (*loadgen.Result, error) {
	args = append([]string{"bench", url, "--json", jsonFile}, args...)
	if strings.HasPrefix(url, "tls://") || strings.HasPrefix(url, "wss://") {
		args = append(args, "--insecure")
	}
	cmd := exec.Command(t.tlskit, args...)
	out, runErr := cmd.CombinedOutput()
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		return nil, fmt.Errorf("tlskit %s: %v\n%s", strings.Join(args, " "), runErr, out)
	}
	var res loadgen.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, err
	}
	if runErr != nil {
		fmt.Printf("   tlskit bench reported: %s", lastLine(out))
	}
	return &res, nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1] + "\n"
}

// idleRSS opens c.idle connections (with their handshakes, c.dialers at
// a time), lets the server settle and returns its VmRSS; whileOpen, when
// set, runs after that with the connections still open. The connections
// are closed before it returns. With deflate each offers
// permessage-deflate, and one that does not negotiate it is an error.
// maxIdleRedials bounds how often one idle connection is dialled again
// after a failure (a peer that fails a handshake now and then); each
// failure is reported as an error of the server's row.
const maxIdleRedials = 3

// idleRSS opens c.idle connections, reads the server's VmRSS with them
// open, and returns it with the number of failed dials that were retried
// and the first of their errors.
func idleRSS(c config, url string, deflate bool, pid int, whileOpen func() error) (rss, redials int64, redialErr string, err error) {
	if c.idle == 0 {
		rss, err = host.Status(pid, "VmRSS")
		return rss, 0, "", err
	}
	d, err := loadgen.NewDialer(loadgen.Options{URL: url, SourceIPs: c.sourceIPs, Timeout: 30 * time.Second,
		TLSConfig: &tls.Config{InsecureSkipVerify: true}, Deflate: deflate})
	if err != nil {
		return 0, 0, "", err
	}
	conns := make([]interface{ Close() error }, c.idle)
	defer func() {
		for _, cn := range conns {
			if cn != nil {
				cn.Close()
			}
		}
	}()
	start := time.Now()
	var next, failed atomic.Int64
	var firstFail atomic.Value
	errs := make(chan error, c.dialers)
	for range c.dialers {
		go func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(c.idle) {
					errs <- nil
					return
				}
				cn, err := d.Dial(context.Background())
				for try := 0; err != nil && try < maxIdleRedials; try++ {
					failed.Add(1)
					firstFail.CompareAndSwap(nil, err.Error())
					cn, err = d.Dial(context.Background())
				}
				if err != nil {
					errs <- fmt.Errorf("idle connection %d: %w", i+1, err)
					return
				}
				conns[i] = cn
				if cn.Deflated() != deflate {
					errs <- fmt.Errorf("idle connection %d: permessage-deflate negotiated %v, want %v", i+1, cn.Deflated(), deflate)
					return
				}
			}
		}()
	}
	var first error
	for range c.dialers {
		if err := <-errs; err != nil && first == nil {
			first = err
			next.Store(int64(c.idle)) // stop the other dialers
		}
	}
	if first != nil {
		return 0, 0, "", first
	}
	if msg, _ := firstFail.Load().(string); msg != "" {
		redialErr = msg
		fmt.Printf("   %d failed dials retried (first: %s)\n", failed.Load(), msg)
	}
	fmt.Printf("   %d idle connections in %s\n", c.idle, time.Since(start).Round(time.Millisecond))
	time.Sleep(c.settle)
	rss, err = host.Status(pid, "VmRSS")
	if err == nil && whileOpen != nil {
		err = whileOpen()
	}
	return rss, failed.Load(), redialErr, err
}

// stopProcess ends a server with SIGTERM, and SIGKILL if it lingers.
func stopProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
