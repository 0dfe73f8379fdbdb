package epoll

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/portable"
)

var benchEngines = []struct {
	name string
	new  func() engine.Engine
}{
	{"portable", func() engine.Engine { return portable.Engine{} }},
	{"epoll", func() engine.Engine { return New(0) }},
}

// BenchmarkEcho measures echo throughput through each engine: 16
// connections at once, each sending 16 KiB and reading it back in turn.
//
//	go test -run '^$' -bench Echo -benchtime 3s ./internal/engine/epoll
func BenchmarkEcho(b *testing.B) {
	const conns, size = 16, 16 << 10
	msg := stream(5, size)
	for _, mode := range []string{"plain", "tls"} {
		for _, eng := range benchEngines {
			b.Run(mode+"/"+eng.name, func(b *testing.B) {
				h := &counter{opts: engine.StartOptions{QueueSize: 1 << 20, HandshakeTimeout: 10 * time.Second}}
				var ccfg *tls.Config
				if mode == "tls" {
					h.opts.TLS = serverConfig()
					ccfg = clientConfig()
				}
				ln, err := eng.new().Listen(engine.ListenConfig{Host: "127.0.0.1", Backlog: 128}, h)
				if err != nil {
					b.Fatal(err)
				}
				defer ln.Close()
				cs := dialMany(b, ln.Addr().String(), conns, ccfg)
				defer func() {
					for _, c := range cs {
						c.Close()
					}
				}()
				b.SetBytes(2 * size)
				b.ResetTimer()
				var wg sync.WaitGroup
				per := (b.N + conns - 1) / conns
				for _, c := range cs {
					wg.Go(func() {
						buf := make([]byte, size)
						for range per {
							if _, err := c.Write(msg); err != nil {
								b.Error(err)
								return
							}
							if _, err := io.ReadFull(c, buf); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
			})
		}
	}
}

// clientEnv makes the test binary a client process: "addr mode n".
const clientEnv = "TLSKIT_EPOLL_CLIENT"

// clientProcess dials the connections clientEnv asks for, says "ready" on
// stdout and holds them until stdin closes.
func clientProcess() int {
	f := strings.Fields(os.Getenv(clientEnv))
	n, _ := strconv.Atoi(f[2])
	var cfg *tls.Config
	if f[1] == "tls" {
		cfg = clientConfigFromPEM()
	}
	conns := dialMany(&fatalTB{}, f[0], n, cfg)
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return 0
}

// BenchmarkIdleHeap reports the server-side heap bytes per idle connection
// of each engine. The clients run in a child process so that only the
// server's allocations are counted. One iteration holds 2,000 connections.
//
//	go test -run '^$' -bench IdleHeap -benchtime 1x ./internal/engine/epoll
func BenchmarkIdleHeap(b *testing.B) {
	const n = 2000
	for _, mode := range []string{"plain", "tls"} {
		for _, eng := range benchEngines {
			b.Run(mode+"/"+eng.name, func(b *testing.B) {
				var m idleCost
				for range b.N {
					m = idleHeap(b, eng.new(), mode, n)
				}
				b.ReportMetric(m.heap, "heapB/conn")
				b.ReportMetric(m.stack, "stackB/conn")
				b.ReportMetric(m.goroutines, "goroutines/conn")
			})
		}
	}
}

// idleCost is what one idle connection costs the server.
type idleCost struct{ heap, stack, goroutines float64 }

func idleHeap(b *testing.B, e engine.Engine, mode string, n int) idleCost {
	h := &counter{opts: engine.StartOptions{QueueSize: 64 << 10, HandshakeTimeout: 30 * time.Second}}
	if mode == "tls" {
		h.opts.TLS = serverConfig()
		h.opts.TLS.SessionTicketsDisabled = true
	}
	ln, err := e.Listen(engine.ListenConfig{Host: "127.0.0.1", Backlog: 4096}, h)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	mem := func() runtime.MemStats {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms
	}
	gBefore := runtime.NumGoroutine()
	before := mem()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", clientEnv, ln.Addr(), mode, n), "TLSKIT_TEST_PEM="+certPEM())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	t0 := time.Now()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if os.Getenv("TLSKIT_BENCH_TRACE") != "" {
		b.Logf("clients ready after %v", time.Since(t0))
	}
	if err != nil || line != "ready\n" {
		b.Fatalf("client process: %q, %v", line, err)
	}
	waitFor(b, "every connection open", func() bool { return h.opened.Load() == int64(n) })
	time.Sleep(100 * time.Millisecond) // let handshake goroutines finish
	held := mem()
	gHeld := runtime.NumGoroutine()
	stdin.Close()
	t0 = time.Now()
	waitFor(b, "every connection closed", func() bool { return h.closed.Load() == int64(n) })
	if os.Getenv("TLSKIT_BENCH_TRACE") != "" {
		b.Logf("closed after %v", time.Since(t0))
	}
	per := func(after, before uint64) float64 { return float64(int64(after)-int64(before)) / float64(n) }
	return idleCost{
		heap:       per(held.HeapAlloc, before.HeapAlloc),
		stack:      per(held.StackInuse, before.StackInuse),
		goroutines: float64(gHeld-gBefore) / float64(n),
	}
}

// fatalTB lets dialMany run in the client process.
type fatalTB struct{ testing.TB }

func (*fatalTB) Helper() {}
func (*fatalTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
