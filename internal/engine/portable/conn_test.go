package portable

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"go.uber.org/goleak"
)

// recorder is a Handler that records callbacks.
type recorder struct {
	mu       sync.Mutex
	data     []byte
	writable chan struct{}
	closed   chan error
	opened   chan error
}

func newRecorder() *recorder {
	return &recorder{writable: make(chan struct{}, 16), closed: make(chan error, 1), opened: make(chan error, 1)}
}

func (r *recorder) OnOpen(err error) { r.opened <- err }
func (r *recorder) OnData(p []byte) {
	r.mu.Lock()
	r.data = append(r.data, p...)
	r.mu.Unlock()
}
func (r *recorder) OnWritable()       { r.writable <- struct{}{} }
func (r *recorder) OnIdle()           {}
func (r *recorder) OnClose(err error) { r.closed <- err }

type acceptCh chan engine.Conn

func (a acceptCh) Accept(c engine.Conn) { a <- c }
func (a acceptCh) AcceptError(error)    {}

func listen(t *testing.T) (engine.Listener, acceptCh) {
	a := make(acceptCh, 4)
	ln, err := Engine{}.Listen(engine.ListenConfig{Host: "127.0.0.1"}, a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, a
}

func TestWriteWouldBlockThenWritable(t *testing.T) {
	ln, a := listen(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := <-a
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 1000})
	if err := <-r.opened; err != nil {
		t.Fatal(err)
	}
	n, err := c.Write(make([]byte, 1500))
	if n != 1000 || !errors.Is(err, engine.ErrWouldBlock) {
		t.Fatalf("Write = %d, %v; want 1000, ErrWouldBlock", n, err)
	}
	select {
	case <-r.writable:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnWritable after the queue drained")
	}
	if _, err := io.ReadFull(client, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	c.Close(time.Second)
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	if _, err := client.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read %v, want EOF", err)
	}
	client.Close()
	if err := <-r.closed; err != nil {
		t.Fatalf("OnClose(%v) after a local close", err)
	}
}

func TestPauseReadStopsDelivery(t *testing.T) {
	ln, a := listen(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := <-a
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 1000, Paused: true})
	<-r.opened
	client.Write([]byte("held"))
	time.Sleep(50 * time.Millisecond) // nothing may arrive while paused
	r.mu.Lock()
	if len(r.data) != 0 {
		t.Fatalf("data delivered while paused: %q", r.data)
	}
	r.mu.Unlock()
	c.ResumeRead()
	client.Close()
	if err := <-r.closed; err != nil {
		t.Fatal(err)
	}
	if string(r.data) != "held" {
		t.Fatalf("data %q", r.data)
	}
}

func TestResetBeforeStartHasNoCallbacks(t *testing.T) {
	ln, a := listen(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := <-a
	c.Reset()
	if _, err := client.Read(make([]byte, 1)); err == nil {
		t.Fatal("read succeeded on a reset connection")
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
