package portable

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// TestWriteFileOrder checks that WriteFile's bytes wait for what Write
// queued before and precede what Write queues after, that f may be closed
// as soon as WriteFile returns, and that the duplicate descriptor the
// writer sends from is closed.
func TestWriteFileOrder(t *testing.T) {
	ln, a := listen(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := <-a
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 1 << 20})
	if err := <-r.opened; err != nil {
		t.Fatal(err)
	}
	head, body, tail := make([]byte, 1<<20), make([]byte, 5<<20+7), []byte("tail")
	for i := range body {
		body[i] = byte(i * 7)
	}
	name := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(name, body, 0o600); err != nil {
		t.Fatal(err)
	}
	fds := func() int { e, _ := os.ReadDir("/proc/self/fd"); return len(e) }
	before := fds()
	if n, err := c.Write(head); n != len(head) || err != nil {
		t.Fatalf("Write(head) = %d, %v", n, err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	var off int64
	for off < int64(len(body)) {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		n, err := c.(engine.FileSender).WriteFile(f, off, int64(len(body))-off)
		f.Close()
		off += n
		if err == nil {
			break
		}
		if !errors.Is(err, engine.ErrWouldBlock) {
			t.Fatalf("WriteFile at %d: %v", off, err)
		}
		select {
		case <-r.writable:
		case <-time.After(10 * time.Second):
			t.Fatal("no OnWritable")
		}
	}
	if n, err := c.Write(tail); n != len(tail) || err != nil {
		t.Fatalf("Write(tail) = %d, %v", n, err)
	}
	c.Close(5 * time.Second)
	if b := <-got; !bytes.Equal(b, slices.Concat(head, body, tail)) {
		t.Fatalf("the client got %d bytes, not head, file, tail", len(b))
	}
	if err := <-r.closed; err != nil {
		t.Fatal(err)
	}
	if n := fds(); n > before {
		t.Fatalf("%d descriptors open after, %d before", n, before)
	}
}
