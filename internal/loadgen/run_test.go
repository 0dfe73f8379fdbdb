package loadgen

import (
	"bytes"
	"context"
	"errors"
	imagepng "image/png"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func runOK(t *testing.T, o Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEchoCountsExactly(t *testing.T) {
	t.Parallel()
	srvTLS, cliTLS := testTLS(t)
	tests := []struct {
		name   string
		scheme string
		opts   []serverOpt
		rate   float64
	}{
		{name: "tcp closed loop", scheme: "tcp"},
		{name: "tcp at a rate", scheme: "tcp", rate: 200},
		{name: "tls closed loop", scheme: "tls", opts: []serverOpt{withTLS(srvTLS)}},
		{name: "ws closed loop", scheme: "ws", opts: []serverOpt{withWS()}},
		{name: "ws at a rate", scheme: "ws", opts: []serverOpt{withWS()}, rate: 200},
		{name: "wss closed loop", scheme: "wss", opts: []serverOpt{withTLS(srvTLS), withWS()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const size, conns = 100, 3
			s := startEcho(t, size, tc.opts...)
			o := Options{
				URL: tc.scheme + "://" + s.addr() + pathFor(tc.scheme), Conns: conns, Size: size,
				Rate: tc.rate, Duration: 400 * time.Millisecond, TLSConfig: cliTLS,
			}
			res := runOK(t, o)
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			if res.ConnsOpened != conns || res.ConnsFailed != 0 {
				t.Fatalf("opened %d failed %d, want %d and 0", res.ConnsOpened, res.ConnsFailed, conns)
			}
			if res.Received == 0 || res.Received != res.Sent {
				t.Fatalf("sent %d received %d", res.Sent, res.Received)
			}
			waitFor(t, "the server's count to match the bench's", func() bool { return s.echoed.Load() == res.Received })
			if res.Messages != res.Received {
				t.Fatalf("without warmup every reply is measured: %d of %d", res.Messages, res.Received)
			}
			if res.Latency.Count != res.Messages || res.Latency.P50 <= 0 {
				t.Fatalf("latency %+v for %d messages", res.Latency, res.Messages)
			}
			if tc.rate > 0 {
				if want := dueMessages(tc.rate, conns, o.Duration); res.Sent != want {
					t.Fatalf("sent %d at %v/s per connection, want exactly %d", res.Sent, tc.rate, want)
				}
			}
		})
	}
}

func pathFor(scheme string) string {
	if scheme == "ws" || scheme == "wss" {
		return "/echo"
	}
	return ""
}

// dueMessages is how many messages fall due before the end of d when conns
// connections send rate messages per second, staggered over one interval.
func dueMessages(rate float64, conns int, d time.Duration) int64 {
	interval := float64(time.Second) / rate
	var n int64
	for i := range conns {
		offset := interval * float64(i) / float64(conns)
		for k := 0; int64(offset+interval*float64(k)) < int64(d); k++ {
			n++
		}
	}
	return n
}

func TestWarmupExcluded(t *testing.T) {
	t.Parallel()
	s := startEcho(t, 64)
	res := runOK(t, Options{URL: "tcp://" + s.addr(), Conns: 2, Rate: 100, Warmup: 300 * time.Millisecond, Duration: 300 * time.Millisecond})
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	// Half of the due messages fall in the warmup.
	if want := dueMessages(100, 2, 600*time.Millisecond); res.Received != want || res.Messages != want/2 {
		t.Fatalf("received %d, measured %d: the warmup's replies must not be measured", res.Received, res.Messages)
	}
	if res.Latency.Count != res.Messages {
		t.Fatalf("latency recorded %d values for %d measured messages", res.Latency.Count, res.Messages)
	}
	waitFor(t, "the server's count to match the bench's", func() bool { return s.echoed.Load() == res.Received })
}

func TestDetectsMisbehavingServer(t *testing.T) {
	t.Parallel()
	drop3 := func(i int, msg []byte) bool { return i != 3 }
	corrupt3 := func(i int, msg []byte) bool {
		if i == 3 {
			msg[len(msg)-1] ^= 0x40
		}
		return true
	}
	tests := []struct {
		name   string
		scheme string
		rate   float64
		mutate func(int, []byte) bool
		want   map[string]int64 // per connection
	}{
		{name: "drop closed loop", scheme: "tcp", mutate: drop3, want: map[string]int64{"timeout": 1}},
		{name: "drop at a rate", scheme: "tcp", rate: 100, mutate: drop3, want: map[string]int64{"lost": 1}},
		{name: "drop ws at a rate", scheme: "ws", rate: 100, mutate: drop3, want: map[string]int64{"lost": 1}},
		{name: "corrupt closed loop", scheme: "tcp", mutate: corrupt3, want: map[string]int64{"corrupt": 1}},
		{name: "corrupt ws", scheme: "ws", mutate: corrupt3, want: map[string]int64{"corrupt": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const conns = 2
			opts := []serverOpt{withMutate(tc.mutate)}
			if tc.scheme == "ws" {
				opts = append(opts, withWS())
			}
			s := startEcho(t, 64, opts...)
			res := runOK(t, Options{
				URL: tc.scheme + "://" + s.addr() + pathFor(tc.scheme), Conns: conns, Rate: tc.rate,
				Duration: 400 * time.Millisecond, Timeout: time.Second,
			})
			want := map[string]int64{}
			for k, v := range tc.want {
				want[k] = v * conns
			}
			if !maps.Equal(res.Errors, want) {
				t.Fatalf("errors %v, want %v", res.Errors, want)
			}
			for k := range want {
				if res.ErrorSamples[k] == "" {
					t.Errorf("no example of the %s errors: %v", k, res.ErrorSamples)
				}
			}
			waitFor(t, "the server's count to match the bench's", func() bool { return s.echoed.Load() == res.Received })
		})
	}
}

func TestDetectsReorder(t *testing.T) {
	t.Parallel()
	// The server sends message 4 before message 3.
	const conns = 2
	s := startEcho(t, 64, withSwap(3))
	res := runOK(t, Options{URL: "tcp://" + s.addr(), Conns: conns, Rate: 100, Duration: 300 * time.Millisecond})
	if want := map[string]int64{"reordered": conns}; !maps.Equal(res.Errors, want) {
		t.Fatalf("errors %v, want %v", res.Errors, want)
	}
	if res.Received != res.Sent {
		t.Fatalf("sent %d received %d", res.Sent, res.Received)
	}
	waitFor(t, "the server's count to match the bench's", func() bool { return s.echoed.Load() == res.Received })
}

func TestServerCloses(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{0, 100} {
		const conns = 3
		s := startEcho(t, 64, withCloseAt(4))
		res := runOK(t, Options{URL: "tcp://" + s.addr(), Conns: conns, Rate: rate, Duration: 300 * time.Millisecond})
		if want := map[string]int64{"closed": conns}; !maps.Equal(res.Errors, want) {
			t.Fatalf("rate %v: errors %v, want %v", rate, res.Errors, want)
		}
		if res.Received != 4*conns {
			t.Fatalf("rate %v: received %d, want 4 per connection", rate, res.Received)
		}
	}
}

func TestWSClosingHandshake(t *testing.T) {
	t.Parallel()
	// Every WebSocket connection ends with a Close frame, echo and
	// handshake runs alike.
	for _, hs := range []bool{false, true} {
		s := startEcho(t, 64, withWS())
		res := runOK(t, Options{URL: "ws://" + s.addr() + "/", Conns: 3, Handshakes: hs, Duration: 200 * time.Millisecond})
		if len(res.Errors) != 0 || res.ConnsOpened < 3 {
			t.Fatalf("handshakes=%v: opened %d, errors %v", hs, res.ConnsOpened, res.Errors)
		}
		waitFor(t, "a Close frame from every connection", func() bool { return s.closes.Load() == res.ConnsOpened })
	}
}

func TestRefusedPort(t *testing.T) {
	t.Parallel()
	for _, hs := range []bool{false, true} {
		res := runOK(t, Options{URL: "tcp://" + freePort(t), Conns: 3, Duration: 200 * time.Millisecond, Handshakes: hs})
		if res.ConnsOpened != 0 || res.ConnsFailed < 3 || res.Errors["dial"] != res.ConnsFailed || len(res.Errors) != 1 {
			t.Fatalf("handshakes=%v: opened %d failed %d errors %v", hs, res.ConnsOpened, res.ConnsFailed, res.Errors)
		}
	}
}

func TestHandshakes(t *testing.T) {
	t.Parallel()
	srvTLS, cliTLS := testTLS(t)
	for _, scheme := range []string{"tls", "wss", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			var opts []serverOpt
			if scheme != "ws" {
				opts = append(opts, withTLS(srvTLS))
			}
			if scheme != "tls" {
				opts = append(opts, withWS())
			}
			s := startEcho(t, 64, opts...)
			res := runOK(t, Options{URL: scheme + "://" + s.addr() + pathFor(scheme), Conns: 2, Handshakes: true, Duration: 300 * time.Millisecond, TLSConfig: cliTLS})
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			// Handshakes still in progress when the window closed are
			// not measured, at most one per loop.
			if res.Handshakes == 0 || res.Handshakes > res.ConnsOpened || res.Handshakes < res.ConnsOpened-2 || res.HandshakesPerSec <= 0 {
				t.Fatalf("handshakes %d (%.0f/s), opened %d", res.Handshakes, res.HandshakesPerSec, res.ConnsOpened)
			}
			if res.HandshakeLatency.Count != res.Handshakes {
				t.Fatalf("handshake latency has %d values for %d handshakes", res.HandshakeLatency.Count, res.Handshakes)
			}
			// A wss handshake counts once on the server: for the TLS one
			// and again for the upgrade.
			perConn := int64(1)
			if scheme == "wss" {
				perConn = 2
			}
			waitFor(t, "the server's handshake count", func() bool { return s.handshakes.Load() == perConn*res.ConnsOpened })
		})
	}
}

func TestHandshakeFailure(t *testing.T) {
	t.Parallel()
	srvTLS, _ := testTLS(t)
	s := startEcho(t, 64, withTLS(srvTLS))
	// The client does not trust the server's certificate.
	res := runOK(t, Options{URL: "tls://" + s.addr(), Conns: 2, Duration: 200 * time.Millisecond})
	if res.ConnsFailed != 2 || res.Errors["handshake"] != 2 || len(res.Errors) != 1 {
		t.Fatalf("failed %d errors %v", res.ConnsFailed, res.Errors)
	}
}

func TestSourceIPs(t *testing.T) {
	t.Parallel()
	s := startEcho(t, 64)
	res := runOK(t, Options{URL: "tcp://" + s.addr(), Conns: 6, SourceIPs: 3, Duration: 100 * time.Millisecond})
	if len(res.Errors) != 0 || res.ConnsOpened != 6 {
		t.Fatalf("opened %d errors %v", res.ConnsOpened, res.Errors)
	}
	for _, ip := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		if _, ok := s.remotes.Load(ip); !ok {
			t.Errorf("no connection came from %s", ip)
		}
	}
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	s := startEcho(t, 64)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	begin := time.Now()
	res, err := Run(ctx, Options{URL: "tcp://" + s.addr(), Conns: 4, Rate: 0.5, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Fatalf("Run took %v after cancel", took)
	}
	if !res.Interrupted || res.Duration > time.Second || len(res.Errors) != 0 {
		t.Fatalf("interrupted %v after %v, errors %v", res.Interrupted, res.Duration, res.Errors)
	}
	waitFor(t, "the server to see every connection closed", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns) == 0
	})
}

// TestProgress: the Progress hook and the timeline get the same samples,
// each with the phase of its time. The run ends (its context cancelled
// from the hook) at the first sample while measuring that counts a
// received message, so the test does not depend on how many ticks a
// loaded machine delivers in time.
func TestProgress(t *testing.T) {
	t.Parallel()
	s := startEcho(t, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const warmup, interval = 250 * time.Millisecond, 100 * time.Millisecond
	var snaps []Snapshot
	res, err := Run(ctx, Options{
		URL: "tcp://" + s.addr(), Duration: time.Hour, Warmup: warmup,
		ProgressInterval: interval,
		Progress: func(s Snapshot) {
			snaps = append(snaps, s)
			if s.Phase == "measuring" && s.Received > 0 {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) == 0 || len(res.Timeline) != len(snaps) {
		t.Fatalf("%d snapshots, %d timeline samples", len(snaps), len(res.Timeline))
	}
	measuring := -1
	for i, s := range snaps {
		want := "measuring"
		if s.Elapsed-interval/2 < warmup {
			want = "warmup"
		}
		if s.Phase != want || res.Timeline[i].Warmup != (want == "warmup") {
			t.Errorf("snapshot %d at %v: phase %q (sample %+v), want %q", i, s.Elapsed, s.Phase, res.Timeline[i], want)
		}
		if measuring < 0 && s.Phase == "measuring" && s.Received > 0 {
			measuring = i
		}
	}
	if measuring < 0 {
		t.Fatalf("no snapshot while measuring: %+v", snaps)
	}
	if s := snaps[measuring]; s.Open != 1 || s.Received == 0 {
		t.Errorf("first snapshot while measuring: %+v", s)
	}
	// Each sample's rate covers the time since the previous one, so the
	// messages received so far show in one of them (not necessarily the
	// last: a starved client may have received none in an interval).
	if !slices.ContainsFunc(snaps[:measuring+1], func(s Snapshot) bool { return s.MsgsPerSec > 0 }) {
		t.Errorf("no snapshot has a message rate: %+v", snaps)
	}
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   Options
		option string
	}{
		{name: "no port", opts: Options{URL: "tcp://127.0.0.1"}, option: "url"},
		{name: "bad scheme", opts: Options{URL: "http://127.0.0.1:80"}, option: "url"},
		{name: "path on tcp", opts: Options{URL: "tcp://127.0.0.1:80/x"}, option: "url"},
		{name: "small size", opts: Options{URL: "tcp://127.0.0.1:80", Size: 19}, option: "size"},
		{name: "negative rate", opts: Options{URL: "tcp://127.0.0.1:80", Rate: -1}, option: "rate"},
		{name: "rate with handshakes", opts: Options{URL: "tcp://127.0.0.1:80", Rate: 1, Handshakes: true}, option: "rate"},
		{name: "too many conns", opts: Options{URL: "tcp://127.0.0.1:80", Conns: maxConns + 1}, option: "conns"},
		{name: "source ips on a name", opts: Options{URL: "tcp://localhost:80", SourceIPs: 2}, option: "source-ips"},
		{name: "source ips over 254", opts: Options{URL: "tcp://127.0.0.1:80", SourceIPs: 255}, option: "source-ips"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Run(context.Background(), tc.opts)
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Option != tc.option {
				t.Fatalf("err %v, want an OptionError for %q", err, tc.option)
			}
		})
	}
	if _, err := Run(context.Background(), Options{}); !errors.Is(err, ErrNoTarget) {
		t.Fatalf("empty URL: %v", err)
	}
}

func TestWriteTableAndChart(t *testing.T) {
	t.Parallel()
	s := startEcho(t, 64)
	res := runOK(t, Options{URL: "tcp://" + s.addr(), Conns: 2, Duration: 250 * time.Millisecond, ProgressInterval: 50 * time.Millisecond})
	var tbl strings.Builder
	if err := res.WriteTable(&tbl); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"connections  2 opened, 0 failed", "msg/s", "MB/s", "p99.9", "errors       none"} {
		if !strings.Contains(tbl.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tbl.String())
		}
	}
	var png bytes.Buffer
	if err := res.WriteChart(&png); err != nil {
		t.Fatal(err)
	}
	img, err := imagepng.Decode(&png)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 900 || img.Bounds().Dy() != 640 {
		t.Fatalf("chart is %v", img.Bounds())
	}

	res.Errors = map[string]int64{"lost": 2, "corrupt": 1}
	tbl.Reset()
	res.WriteTable(&tbl)
	if !strings.Contains(tbl.String(), "corrupt 1, lost 2") {
		t.Errorf("errors by kind missing:\n%s", tbl.String())
	}
}

func TestServerMemory(t *testing.T) {
	t.Parallel()
	// The test's echo server runs in this process.
	s := startEcho(t, 64)
	// The run ends long before the first tick: its one sample is the
	// last one, which does not depend on how soon a loaded machine
	// delivers ticks.
	res := runOK(t, Options{URL: "tcp://" + s.addr(), Duration: 100 * time.Millisecond, ProgressInterval: time.Hour, ServerPID: os.Getpid()})
	if res.ServerRSSKiB <= 0 || res.ServerPeakKiB < res.ServerRSSKiB {
		t.Fatalf("server memory %d KiB, peak %d KiB", res.ServerRSSKiB, res.ServerPeakKiB)
	}
	if len(res.Timeline) != 1 || res.Timeline[0].ServerRSSKiB <= 0 || res.Timeline[0].MsgsPerSec <= 0 {
		t.Fatalf("timeline %+v, want one sample with memory and messages", res.Timeline)
	}
	var tbl strings.Builder
	res.WriteTable(&tbl)
	if !strings.Contains(tbl.String(), "server memory") {
		t.Fatalf("table:\n%s", tbl.String())
	}
	_, err := Run(context.Background(), Options{URL: "tcp://" + s.addr(), ServerPID: math.MaxInt32})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Option != "pid" {
		t.Fatalf("missing process: %v", err)
	}
}
