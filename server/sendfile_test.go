package server

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSendFileStreamsWithBackpressure(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		data := stream(5, 3<<20+17)
		name := filepath.Join(t.TempDir(), "f.bin")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		res := make(chan error, 1)
		s := start(t, engine, Options{OutBufferSize: 64 << 10, Events: Events{
			OnConnected: func(c *Conn) {
				n, err := c.SendFile(name)
				if err == nil && n != int64(len(data)) {
					err = errors.New("short SendFile")
				}
				if c.Queued() > 64<<10 {
					err = errors.New("queue above OutBufferSize")
				}
				c.Disconnect()
				res <- err
			},
		}})
		c := dial(t, s)
		got, err := io.ReadAll(c)
		if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("received %d of %d bytes (%v)", len(got), len(data), err)
		}
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	})
}

func TestSendFileInterrupt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		name := filepath.Join(t.TempDir(), "big.bin")
		if err := os.WriteFile(name, make([]byte, 16<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		started := make(chan *Conn, 1)
		res := make(chan error, 1)
		s := start(t, engine, Options{OutBufferSize: 16 << 10, Events: Events{
			OnConnected: func(c *Conn) {
				started <- c
				_, err := c.SendFile(name) // the client does not read
				res <- err
			},
		}})
		dial(t, s)
		c := <-started
		select {
		case err := <-res:
			t.Fatalf("SendFile returned %v before Interrupt", err)
		case <-time.After(100 * time.Millisecond):
		}
		c.Interrupt()
		if err := <-res; !errors.Is(err, ErrInterrupted) {
			t.Fatalf("SendFile after Interrupt = %v", err)
		}
		if !c.Connected() {
			t.Fatal("Interrupt closed the connection")
		}
		if _, err := c.SendFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("missing file: %v", err)
		}
	})
}

// TestSendFileOrderWithQueuedSends checks, plain (sendfile) and over TLS
// (the copy), that a file larger than the socket buffers goes after what
// was queued before SendFile and before what is sent after it.
func TestSendFileOrderWithQueuedSends(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, secure := range []bool{false, true} {
			t.Run(map[bool]string{false: "plain", true: "tls"}[secure], func(t *testing.T) {
				head, file, tail := stream(1, 12<<20), stream(2, 8<<20+5), stream(3, 100<<10)
				name := filepath.Join(t.TempDir(), "f.bin")
				if err := os.WriteFile(name, file, 0o600); err != nil {
					t.Fatal(err)
				}
				// The client reads late: most of head waits in the queue.
				o := Options{OutBufferSize: 16 << 20}
				if secure {
					o.TLSConfig = getPKI(t).serverConfig()
				}
				res := make(chan error, 1)
				o.Events = Events{OnConnected: func(c *Conn) {
					res <- func() error {
						defer c.Disconnect()
						if n, err := c.Send(head); err != nil || n != len(head) {
							return fmt.Errorf("head: %d, %v", n, err)
						}
						t.Logf("queued before SendFile: %d bytes", c.Queued())
						if n, err := c.SendFile(name); err != nil || n != int64(len(file)) {
							return fmt.Errorf("SendFile: %d, %v", n, err)
						}
						c.SetTimeout(10 * time.Second)
						if n, err := c.Send(tail); err != nil || n != len(tail) {
							return fmt.Errorf("tail: %d, %v", n, err)
						}
						return nil
					}()
				}}
				s := start(t, engine, o)
				var nc net.Conn
				if secure {
					nc = dialTLS(t, s, getPKI(t).clientConfig())
				} else {
					nc = dial(t, s)
				}
				want := slices.Concat(head, file, tail)
				time.Sleep(100 * time.Millisecond)
				got, err := io.ReadAll(nc)
				if err != nil || !bytes.Equal(got, want) {
					i := 0
					for i < min(len(got), len(want)) && got[i] == want[i] {
						i++
					}
					t.Fatalf("received %d of %d bytes, first difference at %d (%v)", len(got), len(want), i, err)
				}
				if err := <-res; err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// TestSendFileInterruptMidFile interrupts a file the client reads slowly:
// SendFile returns ErrInterrupted with fewer bytes than the file, the
// connection stays open and a later Send arrives after the bytes sent.
func TestSendFileInterruptMidFile(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		file := stream(4, 32<<20)
		name := filepath.Join(t.TempDir(), "big.bin")
		if err := os.WriteFile(name, file, 0o600); err != nil {
			t.Fatal(err)
		}
		started := make(chan *Conn, 1)
		type result struct {
			n   int64
			err error
		}
		res := make(chan result, 1)
		s := start(t, engine, Options{OutBufferSize: 16 << 10, Events: Events{
			OnConnected: func(c *Conn) {
				started <- c
				n, err := c.SendFile(name)
				res <- result{n, err}
			},
		}})
		nc := dial(t, s)
		c := <-started
		// Read 1 MiB, then stop: the file is under way.
		if _, err := io.ReadFull(nc, make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		c.Interrupt()
		r := <-res
		if !errors.Is(r.err, ErrInterrupted) || r.n < 1<<20 || r.n >= int64(len(file)) {
			t.Fatalf("SendFile after Interrupt = %d bytes, %v", r.n, r.err)
		}
		c.SetTimeout(10 * time.Second)
		if _, err := c.SendLine("after"); err != nil {
			t.Fatal(err)
		}
		c.Disconnect()
		got, err := io.ReadAll(nc)
		if err != nil {
			t.Fatal(err)
		}
		sent := int(r.n) - 1<<20
		if len(got) < sent || !bytes.Equal(got[:sent], file[1<<20:r.n]) || string(got[sent:]) != "after\r\n" {
			t.Fatalf("after the interrupt: %d bytes, want %d of the file then the line", len(got), sent)
		}
	})
}

// TestSendFileErrorsAndDescriptors checks that a missing file and a
// directory fail clearly with nothing sent, and that SendFile, finished or
// interrupted, leaves no descriptor open.
func TestSendFileErrorsAndDescriptors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		name := filepath.Join(dir, "f.bin")
		if err := os.WriteFile(name, stream(6, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		before := fdCount(t)
		res := make(chan error, 1)
		s := start(t, engine, Options{Events: Events{
			OnConnected: func(c *Conn) {
				res <- func() error {
					if n, err := c.SendFile(filepath.Join(dir, "missing")); n != 0 || !errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("missing file: %d, %v", n, err)
					}
					var pe *fs.PathError
					if n, err := c.SendFile(dir); n != 0 || !errors.As(err, &pe) || pe.Path != dir ||
						!strings.Contains(err.Error(), "is a directory") {
						return fmt.Errorf("directory: %d, %v", n, err)
					}
					for range 5 {
						if _, err := c.SendFile(name); err != nil {
							return err
						}
					}
					c.Disconnect()
					return nil
				}()
			},
		}})
		nc := dial(t, s)
		got, err := io.ReadAll(nc)
		if err != nil || len(got) != 5<<20 {
			t.Fatalf("received %d bytes (%v)", len(got), err)
		}
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		nc.Close()
		s.Close()
		waitFor(t, "the descriptors to close", func() bool { return fdCount(t) <= before })
	})
}
