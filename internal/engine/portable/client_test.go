package portable

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// sentRecorder is a recorder that is a SentHandler.
type sentRecorder struct {
	*recorder
	sent chan int
}

func (r *sentRecorder) OnSent(n int) { r.sent <- n }

// LimitWrite makes the writer take the queue in steps, each told by
// OnSent; DiscardQueued drops what no write has taken, and the write under
// way goes on. Over net.Pipe a write ends only once the peer read it all.
func TestLimitWriteOnSentDiscard(t *testing.T) {
	ours, peer := net.Pipe()
	defer peer.Close()
	c := Adopt(ours, nil)
	r := &sentRecorder{recorder: newRecorder(), sent: make(chan int, 16)}
	c.LimitWrite(100)
	c.Start(r, engine.StartOptions{QueueSize: 1000})
	<-r.opened
	data := bytes.Repeat([]byte("0123456789"), 50)
	if n, err := c.Write(data); n != 500 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	got := make([]byte, 100)
	if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, data[:100]) {
		t.Fatalf("peer read %q, %v", got, err)
	}
	if n := <-r.sent; n != 100 {
		t.Fatalf("OnSent(%d), want 100", n)
	}
	// Reading the first byte of the second 100 proves the writer has taken
	// them (its write then waits for the peer to read the rest): the last
	// 300 are queued. Queued alone cannot tell, as it reads 400 both then
	// and between the first write's end and the writer taking the next.
	if _, err := io.ReadFull(peer, got[:1]); err != nil || got[0] != data[100] {
		t.Fatalf("peer read %q, %v", got[:1], err)
	}
	if q := c.Queued(); q != 400 {
		t.Fatalf("Queued = %d, want 400", q)
	}
	if n := c.DiscardQueued(); n != 300 {
		t.Fatalf("DiscardQueued = %d, want 300", n)
	}
	if q := c.Queued(); q != 100 {
		t.Fatalf("Queued after DiscardQueued = %d, want the 100 under way", q)
	}
	if _, err := io.ReadFull(peer, got[1:]); err != nil || !bytes.Equal(got, data[100:200]) {
		t.Fatalf("peer read %q, %v", got, err)
	}
	if n := <-r.sent; n != 100 {
		t.Fatalf("OnSent(%d), want 100", n)
	}
	c.Close(time.Second)
	if rest, err := io.ReadAll(peer); err != nil || len(rest) != 0 {
		t.Fatalf("peer read %q, %v after the discard; want nothing then EOF", rest, err)
	}
	if err := <-r.closed; err != nil {
		t.Fatal(err)
	}
}

// sizeRecorder records the size of each OnData.
type sizeRecorder struct {
	*recorder
	smu   sync.Mutex
	sizes []int
}

func (r *sizeRecorder) OnData(p []byte) {
	r.smu.Lock()
	r.sizes = append(r.sizes, len(p))
	r.smu.Unlock()
	r.recorder.OnData(p)
}

// LimitRead bounds the reads that begin afterwards.
func TestLimitRead(t *testing.T) {
	ours, peer := net.Pipe()
	defer peer.Close()
	c := Adopt(ours, nil)
	c.LimitRead(7)
	r := &sizeRecorder{recorder: newRecorder()}
	c.Start(r, engine.StartOptions{QueueSize: 10})
	<-r.opened
	go func() { _, _ = io.WriteString(peer, "0123456789abcdefghij") }()
	waitData(t, r.recorder, "0123456789abcdefghij")
	r.smu.Lock()
	for _, n := range r.sizes {
		if n > 7 {
			t.Errorf("OnData of %d bytes, limit 7 (%v)", n, r.sizes)
		}
	}
	r.smu.Unlock()
	c.Close(time.Second)
	peer.Close()
	<-r.closed
}

// Release stops an adopted TCP conn mid-stream without closing it or
// losing a byte: what the reader got is delivered, the rest is read from
// the returned net.Conn, which still writes; the handler hears nothing
// more and Write fails.
func TestRelease(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_ = client.SetDeadline(time.Now().Add(10 * time.Second))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := Adopt(nc, nil)
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 100, Paused: true})
	<-r.opened
	if _, err := c.Write([]byte("queued,")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(client, "before,"); err != nil {
		t.Fatal(err)
	}
	c.ResumeRead()
	waitData(t, r, "before,")
	got, err := c.Release()
	if err != nil || got != nc {
		t.Fatalf("Release = %v, %v; want the adopted conn", got, err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Release: %v", err)
	}
	c.Close(time.Second) // does nothing now
	c.Reset()
	if _, err := io.WriteString(client, "after"); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	p := make([]byte, 5)
	if _, err := io.ReadFull(nc, p); err != nil || string(p) != "after" {
		t.Fatalf("read %q, %v from the released conn", p, err)
	}
	if _, err := io.WriteString(nc, "mine"); err != nil {
		t.Fatal(err)
	}
	q := make([]byte, len("queued,mine"))
	if _, err := io.ReadFull(client, q); err != nil || string(q) != "queued,mine" {
		t.Fatalf("client read %q, %v", q, err)
	}
	select {
	case err := <-r.closed:
		t.Fatalf("OnClose(%v) after Release", err)
	case <-time.After(20 * time.Millisecond):
	}
	if _, err := c.Release(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Release: %v", err)
	}
}

// Release of a connection whose peer closed first returns net.ErrClosed
// and the connection ends as usual.
func TestReleaseAfterEnd(t *testing.T) {
	ours, peer := net.Pipe()
	c := Adopt(ours, nil)
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 10})
	<-r.opened
	peer.Close()
	if err := <-r.closed; err != nil {
		t.Fatal(err)
	}
	if _, err := c.Release(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Release after the end: %v", err)
	}
}

// By default the writer drops a large buffer once the queue empties;
// after KeepBuffers it keeps it for the next burst.
func TestKeepBuffers(t *testing.T) {
	for _, keep := range []bool{false, true} {
		ours, peer := net.Pipe()
		c := Adopt(ours, nil)
		if keep {
			c.KeepBuffers()
		}
		r := newRecorder()
		c.Start(r, engine.StartOptions{QueueSize: 64 << 10})
		<-r.opened
		if _, err := c.Write(make([]byte, 16<<10)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(peer, make([]byte, 16<<10)); err != nil {
			t.Fatal(err)
		}
		cc := c.(*conn)
		deadline := time.Now().Add(10 * time.Second)
		for {
			cc.mu.Lock()
			writing, spare := cc.writing, cap(cc.spare)
			cc.mu.Unlock()
			if !writing {
				if kept := spare >= 16<<10; kept != keep {
					t.Errorf("KeepBuffers %v: spare buffer of %d bytes after the burst", keep, spare)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the writer did not end")
			}
			time.Sleep(time.Millisecond)
		}
		c.Close(time.Second)
		peer.Close()
		<-r.closed
	}
}

// A write that fails with a batch half written ends the connection; its
// queue is then empty, and DiscardQueued finds nothing.
func TestDiscardQueuedAfterFailedWrite(t *testing.T) {
	ours, peer := net.Pipe()
	c := Adopt(ours, nil)
	c.LimitWrite(10)
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 100})
	<-r.opened
	if _, err := c.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	peer.Close() // the next write fails
	if err := <-r.closed; err == nil {
		t.Fatal("OnClose(nil) after a failed write")
	}
	if q, n := c.Queued(), c.DiscardQueued(); q != 0 || n != 0 {
		t.Fatalf("after the end: Queued %d, DiscardQueued %d; want 0, 0", q, n)
	}
}
