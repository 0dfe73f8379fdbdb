//go:build linux

package server

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSendFile sends a 64 MiB file (in the page cache) to a loopback
// client that discards it, on each engine, by sendfile(2) and by the copy
// through the send queue (copyFiles), and reports the time and the
// process's user+system CPU per MiB (the client's reads included).
func BenchmarkSendFile(b *testing.B) {
	const size = 64 << 20
	name := filepath.Join(b.TempDir(), "f.bin")
	if err := os.WriteFile(name, make([]byte, size), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, engine := range engines {
		for _, mode := range []string{"sendfile", "copy"} {
			b.Run(engine+"/"+mode, func(b *testing.B) {
				copyFiles = mode == "copy"
				defer func() { copyFiles = false }()
				conns := make(chan *Conn, 1)
				s := start(b, engine, Options{OutBufferSize: 256 << 10, Events: Events{
					OnConnected: func(c *Conn) { conns <- c },
				}})
				nc := dial(b, s)
				c := <-conns
				got := make(chan int64)
				go func() {
					buf := make([]byte, 256<<10)
					var n int64
					for {
						k, err := nc.Read(buf)
						n += int64(k)
						if n >= size {
							got <- n
							n = 0
						}
						if err != nil {
							return
						}
					}
				}()
				b.SetBytes(size)
				cpu0 := cpuTime()
				start := time.Now()
				for b.Loop() {
					if n, err := c.SendFile(name); err != nil || n != size {
						b.Fatalf("SendFile = %d, %v", n, err)
					}
					<-got
				}
				mib := float64(b.N) * size / (1 << 20)
				b.ReportMetric(float64(time.Since(start).Nanoseconds())/mib, "ns/MiB")
				b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/mib, "cpu-ns/MiB")
				nc.Close()
			})
		}
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
