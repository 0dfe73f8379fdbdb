package epoll

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

func openTemp(t *testing.T, data []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestWriteFileOrder checks that WriteFile's bytes wait for what Write
// queued before (the client does not read yet: the queue holds most of
// head) and precede what Write queues after, with OnWritable driving a
// file larger than the socket buffers.
func TestWriteFileOrder(t *testing.T) {
	ln, a := serve(t)
	client, c, r := startConn(t, ln, a, engine.StartOptions{QueueSize: 16 << 20}, false)
	fsnd := c.(engine.FileSender)
	head, body, tail := stream(1, 8<<20), stream(2, 6<<20+3), stream(3, 1000)
	f := openTemp(t, body)
	if n, err := c.Write(head); n != len(head) || err != nil {
		t.Fatalf("Write(head) = %d, %v", n, err)
	}
	if c.Queued() == 0 {
		t.Fatal("head is not queued: the test shows nothing")
	}
	if n, err := fsnd.WriteFile(f, 0, int64(len(body))); n != 0 || !errors.Is(err, engine.ErrWouldBlock) {
		t.Fatalf("WriteFile behind a queue = %d, %v; want 0, ErrWouldBlock", n, err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	var off int64
	for off < int64(len(body)) {
		n, err := fsnd.WriteFile(f, off, int64(len(body))-off)
		off += n
		if err == nil {
			break
		}
		if !errors.Is(err, engine.ErrWouldBlock) {
			t.Fatalf("WriteFile at %d: %v", off, err)
		}
		wait(t, r.writable, "OnWritable")
	}
	if n, err := c.Write(tail); n != len(tail) || err != nil {
		t.Fatalf("Write(tail) = %d, %v", n, err)
	}
	c.Close(5 * time.Second)
	if b := wait(t, got, "the client's read"); !bytes.Equal(b, slices.Concat(head, body, tail)) {
		t.Fatalf("the client got %d bytes, not head, file, tail (%d)", len(b), len(head)+len(body)+len(tail))
	}
	if err := wait(t, r.closed, "OnClose"); err != nil {
		t.Fatal(err)
	}
}

// TestWriteFileUnsupportedAndEOF: a TLS connection refuses WriteFile
// before sending anything; a file shorter than asked ends with io.EOF.
func TestWriteFileUnsupportedAndEOF(t *testing.T) {
	ln, a := serve(t)
	f := openTemp(t, []byte("0123456789"))
	_, tc, _ := startConn(t, ln, a, engine.StartOptions{TLS: serverConfig(), QueueSize: 1 << 10}, false)
	if n, err := tc.(engine.FileSender).WriteFile(f, 0, 10); n != 0 || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("TLS WriteFile = %d, %v; want 0, ErrUnsupported", n, err)
	}
	client, c, _ := startConn(t, ln, a, engine.StartOptions{QueueSize: 1 << 10}, false)
	if n, err := c.(engine.FileSender).WriteFile(f, 4, 100); n != 6 || err != io.EOF {
		t.Fatalf("WriteFile past the end = %d, %v; want 6, io.EOF", n, err)
	}
	b := make([]byte, 6)
	if _, err := io.ReadFull(client, b); err != nil || string(b) != "456789" {
		t.Fatalf("read %q, %v", b, err)
	}
	tc.Reset()
	c.Reset()
}
