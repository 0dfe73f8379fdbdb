package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tlskit/tlskit/bench/internal/host"
)

// child is a server or client process; closing stdin asks it to end.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	server bool
}

// family is every process started, ended together.
type family struct {
	mu       sync.Mutex
	children []*child
	ended    bool
}

// start runs this program again with args; the child is killed if we die
// (Pdeathsig) and ends when its standard input closes.
func (f *family) start(args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return nil, fmt.Errorf("interrupted")
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := &child{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout), server: slices.Contains(args, "server")}
	f.children = append(f.children, ch)
	return ch, nil
}

// end asks every child to end (stdin closed, SIGTERM) and waits up to 10
// seconds for each, then kills it: the clients first, so that the servers
// then shut down with no connection left. It is safe to call twice.
func (f *family) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return
	}
	f.ended = true
	for _, servers := range []bool{false, true} {
		var wg sync.WaitGroup
		for _, ch := range f.children {
			if ch.server != servers {
				continue
			}
			ch.stdin.Close()
			ch.cmd.Process.Signal(syscall.SIGTERM)
			wg.Go(func() {
				done := make(chan struct{})
				go func() { ch.cmd.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					ch.cmd.Process.Kill()
					<-done
				}
			})
		}
		wg.Wait()
	}
}

// expect reads the child's output up to a line starting with prefix and
// returns that line.
func (ch *child) expect(prefix string) (string, error) {
	for ch.lines.Scan() {
		if line := ch.lines.Text(); strings.HasPrefix(line, prefix) {
			return line, nil
		}
	}
	if err := ch.lines.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("process %d ended before printing %q", ch.cmd.Process.Pid, prefix)
}

// result is what a run measured.
type result struct {
	c                 config
	addr              string
	start             time.Time
	loadBefore        string
	loadAfter         string
	portRange         string
	fileLimit         uint64
	perServer         []int   // connections each server holds
	baseKB, rssKB     []int64 // VmRSS of each server before and with the connections
	hwmKB             []int64 // VmHWM of each server
	clientKB          int64   // sum of the clients' VmRSS, for scale
	connectTime       time.Duration
	clientConns       []int
	clientSources     []string
	totalConnsPerSecs float64
}

func orchestrate(c config) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("needs Linux (/proc, SO_REUSEPORT, the epoll engine)")
	}
	if c.proto != "ws" && c.proto != "tcp" {
		return fmt.Errorf("-proto %q: want ws or tcp", c.proto)
	}
	r := &result{c: c, start: time.Now(), loadBefore: host.LoadAverage()}
	if err := plan(&r.c, r); err != nil {
		return err
	}
	c = r.c
	f := &family{}
	defer f.end()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; ok {
			fmt.Fprintln(os.Stderr, "scale: interrupted, ending every process")
			f.end()
			os.Exit(1)
		}
	}()

	addr, err := host.FreeAddr()
	if err != nil {
		return err
	}
	r.addr = addr
	fmt.Printf("%d %s connections to %s: %d server processes (SO_REUSEPORT), %d client processes with %d source addresses each\n",
		c.conns, c.proto, addr, c.servers, c.clients, c.ipsPerCli)
	var srvs []*child
	for range c.servers {
		ch, err := f.start("-role", "server", "-proto", c.proto, "-addr", addr)
		if err != nil {
			return err
		}
		if _, err := ch.expect("listening"); err != nil {
			return err
		}
		srvs = append(srvs, ch)
	}
	baseFDs := make([]int, len(srvs))
	for i, ch := range srvs {
		rss, err := host.Status(ch.cmd.Process.Pid, "VmRSS")
		if err != nil {
			return err
		}
		r.baseKB = append(r.baseKB, rss)
		if baseFDs[i], err = host.OpenFiles(ch.cmd.Process.Pid); err != nil {
			return err
		}
	}

	connStart := time.Now()
	var clis []*child
	for i := range c.clients {
		n := c.conns / c.clients
		if i < c.conns%c.clients {
			n++
		}
		var src []string
		for j := range c.ipsPerCli {
			src = append(src, fmt.Sprintf("127.0.0.%d", 2+i*c.ipsPerCli+j))
		}
		r.clientConns = append(r.clientConns, n)
		r.clientSources = append(r.clientSources, strings.Join(src, ","))
		ch, err := f.start("-role", "client", "-proto", c.proto, "-addr", addr, "-conns", strconv.Itoa(n),
			"-dialers", strconv.Itoa(c.dialers), "-src", strings.Join(src, ","))
		if err != nil {
			return err
		}
		clis = append(clis, ch)
	}
	errs := make(chan error, len(clis))
	for _, ch := range clis {
		go func() {
			_, err := ch.expect("done ")
			errs <- err
		}()
	}
	for range clis {
		if err := <-errs; err != nil {
			return fmt.Errorf("a client failed: %w", err)
		}
	}
	r.connectTime = time.Since(connStart)
	r.totalConnsPerSecs = float64(c.conns) / r.connectTime.Seconds()
	fmt.Printf("%d connections open in %s (%.0f/s); settling %s\n", c.conns, r.connectTime.Round(time.Millisecond), r.totalConnsPerSecs, c.settle)
	time.Sleep(c.settle)
	for i, ch := range srvs {
		pid := ch.cmd.Process.Pid
		rss, err := host.Status(pid, "VmRSS")
		if err != nil {
			return err
		}
		hwm, err := host.Status(pid, "VmHWM")
		if err != nil {
			return err
		}
		fds, err := host.OpenFiles(pid)
		if err != nil {
			return err
		}
		r.rssKB = append(r.rssKB, rss)
		r.hwmKB = append(r.hwmKB, hwm)
		r.perServer = append(r.perServer, fds-baseFDs[i])
	}
	for _, ch := range clis {
		if rss, err := host.Status(ch.cmd.Process.Pid, "VmRSS"); err == nil {
			r.clientKB += rss
		}
	}
	r.loadAfter = host.LoadAverage()
	f.end()
	fmt.Print(r.markdown())
	if c.out == "" {
		return nil
	}
	if err := writeSection(c.out, r.markdown()); err != nil {
		return err
	}
	fmt.Println("wrote", c.out)
	return nil
}

// plan fills in the process counts and checks them against the open-file
// limit and the ephemeral port range.
func plan(c *config, r *result) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	r.fileLimit = lim.Cur
	if c.conns < 1 || c.ipsPerCli < 1 || c.dialers < 1 || c.servers < 0 || c.clients < 0 {
		return fmt.Errorf("-conns, -source-ips and -dialers must be at least 1")
	}
	maxPer := min(c.maxPerProc, int(lim.Cur)-500)
	if maxPer < 100 {
		return fmt.Errorf("open-file limit %d is too low", lim.Cur)
	}
	if c.servers == 0 {
		c.servers = ceilDiv(c.conns, min(15000, maxPer*8/10))
	}
	if c.clients == 0 {
		c.clients = ceilDiv(c.conns, min(17000, maxPer))
	}
	// SO_REUSEPORT spreads connections by a hash: leave a margin.
	if per := ceilDiv(c.conns, c.servers); per > maxPer*9/10 {
		return fmt.Errorf("%d connections per server process is too close to the %d a process may hold; use more -servers", per, maxPer)
	}
	if per := ceilDiv(c.conns, c.clients); per > maxPer {
		return fmt.Errorf("%d connections per client process is over the %d a process may hold; use more -clients", per, maxPer)
	}
	if 1+c.clients*c.ipsPerCli > 254 {
		return fmt.Errorf("%d clients x %d source addresses do not fit in 127.0.0.2-254", c.clients, c.ipsPerCli)
	}
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return err
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		return fmt.Errorf("ip_local_port_range %q: %v", b, err)
	}
	r.portRange = fmt.Sprintf("%d-%d", lo, hi)
	perSource := ceilDiv(ceilDiv(c.conns, c.clients), c.ipsPerCli)
	if perSource > (hi-lo+1)*8/10 {
		return fmt.Errorf("%d connections per source address need more of the %d ephemeral ports (%s) than is safe; use more -source-ips", perSource, hi-lo+1, r.portRange)
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
