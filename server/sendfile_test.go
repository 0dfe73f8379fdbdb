package server

import (
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
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
