//go:build attack && linux

package attack

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// legitTimeout bounds each connect and echo of the legitimate client:
// generous, since the machine is loaded by the attack itself.
const legitTimeout = 10 * time.Second

// attackRun is one attack against one server: the baseline taken before,
// the legitimate client running during, the checks after.
type attackRun struct {
	t        *testing.T
	s        *server
	fig      *figures
	legit    *legitLoop
	logStart int64     // the size of the server's log at the baseline
	logT0    time.Time // and when it was taken
}

// Connection records are rate limited: a burst, then a steady rate (with
// a record of how many were suppressed). A log that grows faster than a
// few such limiters allow is a log an attacker can flood.
const (
	logBurst      = 100
	logPerSecond  = 10
	logLimiters   = 3    // generous: the CLI's records and the library's
	maxLogLineLen = 4096 // peer-supplied strings are cut to a few hundred bytes
)

// begin starts the server, checks that it serves, takes the baseline and
// starts the legitimate client.
func begin(t *testing.T, attack, proto, engine string, args ...string) *attackRun {
	t.Helper()
	s := startServer(t, proto, engine, args...)
	r := &attackRun{t: t, s: s, fig: &figures{attack: attack, engine: engine, proto: proto}}
	t.Cleanup(func() {
		r.fig.failed = t.Failed()
		t.Logf("figures: %s", r.fig)
		if os.Getenv("ATTACK_DEBUG") != "" {
			t.Logf("server log:\n%s", s.stderrTail())
		}
		record(r.fig)
	})
	ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
	err := legitEcho(ctx, s)
	cancel()
	if err != nil {
		t.Fatalf("before the attack, a legitimate client is not served: %v", err)
	}
	// The baseline: once the warm-up connection is gone, fds and goroutines
	// stop moving.
	prevF, prevG := -1, -1
	waitFor(10*time.Second, 200*time.Millisecond, func() bool {
		f := s.fds()
		g, err := s.goroutines()
		if err != nil {
			return false
		}
		stable := f == prevF && g == prevG && s.noAttackerSockets()
		prevF, prevG = f, g
		return stable
	})
	r.fig.fdsBase, r.fig.gorBase = prevF, prevG
	r.fig.rssBase, _ = s.memory()
	r.logStart, r.logT0 = s.logSize(), time.Now()
	r.legit = startLegit(s)
	return r
}

// reclaimed waits until the server holds no attacker's socket, at most
// until deadline after launch (when the attack was fully under way), and
// records when that was. An attacker's socket still open then is an error.
// ended, when not nil, counts the attackers that saw the server end their
// connection: all must have, as a socket the server has not accepted yet
// is not among its own.
func (r *attackRun) reclaimed(launch time.Time, deadline time.Duration, ended func() int) {
	r.t.Helper()
	r.fig.deadline = deadline
	left := 0
	_, ok := waitFor(time.Until(launch.Add(deadline)), 100*time.Millisecond, func() bool {
		if left = r.s.attackerSockets(); left == 0 && !r.s.noAttackerSockets() {
			left = 1
		}
		if ended != nil && left == 0 {
			left = r.fig.attackers - ended()
		}
		return left == 0
	})
	r.fig.left = left
	if !ok {
		r.fig.reclaimTime = -1
		r.t.Errorf("%d of the %d attackers' connections still open %v after the attack began (deadline %v)",
			left, r.fig.attackers, time.Since(launch).Round(time.Millisecond), deadline)
		return
	}
	r.fig.reclaimTime = time.Since(launch)
}

// finish checks the server after the attack, once the attackers' own
// connections are closed: the legitimate client was served throughout,
// the server holds no attacker socket, its fds and goroutines are back to
// the baseline, its memory peak stayed under rssBound above the baseline,
// and it still serves.
func (r *attackRun) finish(rssBound int64) {
	r.t.Helper()
	t, s := r.t, r.s
	if r.legit != nil {
		r.legit.stop()
		r.fig.legitOK, r.fig.legitFail, r.fig.legitMax = r.legit.ok, r.legit.fail, r.legit.max
		if r.legit.fail > 0 {
			t.Errorf("the legitimate client failed %d of %d times during the attack, first: %v",
				r.legit.fail, r.legit.ok+r.legit.fail, r.legit.firstErr)
		} else if r.legit.ok == 0 {
			t.Errorf("the legitimate client was never served during the attack")
		}
	}
	if !s.alive() {
		t.Fatalf("the server died (%v):\n%s", s.waitErr, s.stderrTail())
	}
	if _, ok := waitFor(30*time.Second, 100*time.Millisecond, s.noAttackerSockets); !ok {
		t.Errorf("30 s after the attackers closed, the server still holds %d of their sockets", s.attackerSockets())
	}
	// Goroutines and fds that end with a connection may take a moment:
	// poll, with a generous bound.
	var f, g int
	waitFor(30*time.Second, 200*time.Millisecond, func() bool {
		f = s.fds()
		g, _ = s.goroutines()
		return f <= r.fig.fdsBase && g <= r.fig.gorBase
	})
	r.fig.fdsAfter, r.fig.gorAfter = f, g
	if f > r.fig.fdsBase {
		t.Errorf("after the attack the server has %d fds, %d before", f, r.fig.fdsBase)
	}
	if g > r.fig.gorBase {
		t.Errorf("after the attack the server has %d goroutines, %d before", g, r.fig.gorBase)
	}
	_, peak := s.memory()
	r.fig.rssPeak, r.fig.rssBound = peak, r.fig.rssBase+rssBound
	if peak > r.fig.rssBase+rssBound {
		t.Errorf("the server's RSS peaked at %s, more than %s (%s at the start + %s)",
			mib(peak), mib(r.fig.rssBase+rssBound), mib(r.fig.rssBase), mib(rssBound))
	}
	lines, longest := s.logLines(r.logStart)
	elapsed := time.Since(r.logT0)
	r.fig.logLines = lines
	if bound := logLimiters * (logBurst + int(logPerSecond*elapsed.Seconds())); lines > bound {
		t.Errorf("the server logged %d lines in %v, more than %d: its log can be flooded", lines, elapsed.Round(time.Second), bound)
	}
	if longest > maxLogLineLen {
		t.Errorf("the server logged a line of %d bytes (bound %d): what a peer sends goes to the log uncut", longest, maxLogLineLen)
	}
	ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
	defer cancel()
	if err := legitEcho(ctx, s); err != nil {
		t.Errorf("after the attack, a legitimate client is not served: %v", err)
	}
	if c := s.crashed(); c != "" {
		t.Fatalf("the server's log shows a crash:\n%s", c)
	}
}

// withoutLegit stops the legitimate client, for an attack that locks
// everyone out by design (it is checked after the attack).
func (r *attackRun) withoutLegit() {
	r.legit.stop()
	r.legit = nil
}

// legitLoop is a legitimate client that connects and echoes one message
// over and over, each time on a new connection, until stopped.
type legitLoop struct {
	quit, done chan struct{}
	ok, fail   int
	max        time.Duration
	firstErr   error
}

func startLegit(s *server) *legitLoop {
	l := &legitLoop{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
			err := legitEcho(ctx, s)
			cancel()
			l.max = max(l.max, time.Since(start))
			if err != nil {
				l.fail++
				if l.firstErr == nil {
					l.firstErr = fmt.Errorf("after %v: %w", time.Since(start).Round(time.Millisecond), err)
				}
			} else {
				l.ok++
			}
			select {
			case <-l.quit:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return l
}

// stop ends the loop after its current attempt.
func (l *legitLoop) stop() {
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
	<-l.done
}

// figures are what one attack measured.
type figures struct {
	attack, engine, proto string
	attackers             int
	rssBase, rssPeak      int64
	rssBound              int64
	deadline              time.Duration // for the attackers' connections to be reclaimed
	reclaimTime           time.Duration // until none was left (-1: some never were)
	left                  int           // attackers' sockets left at the deadline
	legitOK, legitFail    int
	legitMax              time.Duration
	fdsBase, fdsAfter     int
	gorBase, gorAfter     int
	logLines              int // written during the attack
	note                  string
	failed                bool
}

func (f *figures) String() string {
	reclaim := "n/a"
	switch {
	case f.reclaimTime > 0:
		reclaim = fmt.Sprintf("all in %.1fs (deadline %v)", f.reclaimTime.Seconds(), f.deadline)
	case f.reclaimTime < 0:
		reclaim = fmt.Sprintf("%d left at the deadline %v", f.left, f.deadline)
	}
	result := "PASS"
	if f.failed {
		result = "FAIL"
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s\tattackers=%d\trss_peak=%s (base %s, bound %s)\treclaimed: %s\tlegit ok=%d fail=%d max=%.1fs\tfds %d->%d\tgoroutines %d->%d\tlog lines %d\t%s",
		result, f.attack, f.proto, f.engine, f.attackers, mib(f.rssPeak), mib(f.rssBase), mib(f.rssBound),
		reclaim, f.legitOK, f.legitFail, f.legitMax.Seconds(), f.fdsBase, f.fdsAfter, f.gorBase, f.gorAfter, f.logLines, f.note)
}

func mib(n int64) string { return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20)) }

var (
	reportMu sync.Mutex
	report   []string
)

func record(f *figures) {
	reportMu.Lock()
	defer reportMu.Unlock()
	report = append(report, f.String())
}

// writeReport appends the figures to $ATTACK_REPORT, if set.
func writeReport() {
	name := os.Getenv("ATTACK_REPORT")
	if name == "" || len(report) == 0 {
		return
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "# %s %s\n", bin, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintln(f, strings.Join(report, "\n"))
}
