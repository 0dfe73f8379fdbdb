package ws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"
)

// streamPair is a server connection with Fragments and no OnDataIn (for
// NextReader and ReadMessage) and a client dialled to it.
func streamPair(t *testing.T) (sc, cl *Conn) {
	t.Helper()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Conn: ConnOptions{Fragments: true, MaxMessageSize: -1}, Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	cl = dialT(t, s.URL(), &DialOptions{Conn: ConnOptions{DisablePermessageDeflate: true}})
	return <-conns, cl
}

// NextWriter and NextReader stream one message each way as it is written:
// the server reads the first bytes before the client has written the rest,
// and the 8 MiB arrive intact.
func TestNextReaderNextWriterStream(t *testing.T) {
	t.Parallel()
	sc, cl := streamPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msg := make([]byte, 8<<20)
	for i := range msg {
		msg[i] = byte(i*31 + i>>11)
	}
	firstSeen := make(chan struct{})
	sum := make(chan [32]byte, 1)
	go func() {
		f, r, err := sc.NextReader(ctx)
		if err != nil || f != FormatBinary {
			t.Errorf("NextReader: %v %v", f, err)
			sum <- [32]byte{}
			return
		}
		h := sha256.New()
		buf := make([]byte, 4096)
		n, seen := 0, false
		for {
			k, err := r.Read(buf)
			h.Write(buf[:k])
			n += k
			if !seen && n >= 64<<10 {
				seen = true
				close(firstSeen)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("Read after %d bytes: %v", n, err)
				break
			}
		}
		var s [32]byte
		copy(s[:], h.Sum(nil))
		sum <- s
	}()
	w, err := cl.NextWriter(ctx, DataBinary)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < 128<<10; off += 1000 { // small writes, gathered into frames
		if _, err := w.Write(msg[off:min(off+1000, 128<<10)]); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-firstSeen:
	case <-ctx.Done():
		t.Fatal("the server's reader saw nothing before the message was complete")
	}
	if _, err := w.Write(msg[128<<10:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := <-sum; got != sha256.Sum256(msg) {
		t.Fatal("the streamed message arrived changed")
	}
}

// A message whose reader is not read to its end is skipped by the next
// NextReader (that reader then fails), and ReadMessage with Fragments
// joins a message's pieces, keeping what it joined when its ctx ends.
func TestNextReaderSkipAndReadMessageJoin(t *testing.T) {
	t.Parallel()
	sc, cl := streamPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	big := bytes.Repeat([]byte("x"), 200<<10)
	if err := cl.WriteMessage(ctx, DataBinary, big); err != nil {
		t.Fatal(err)
	}
	if err := cl.WriteMessage(ctx, DataText, []byte("second")); err != nil {
		t.Fatal(err)
	}
	_, r1, err := sc.NextReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r1, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	f, r2, err := sc.NextReader(ctx)
	if err != nil || f != FormatText {
		t.Fatalf("second NextReader: %v %v", f, err)
	}
	if b, err := io.ReadAll(r2); err != nil || string(b) != "second" {
		t.Fatalf("second message %q %v", b, err)
	}
	if _, err := r1.Read(make([]byte, 1)); !errors.Is(err, errReaderSkipped) {
		t.Fatalf("the skipped reader: %v", err)
	}

	// ReadMessage: the first part arrives, the ctx ends, the rest comes.
	w, _ := cl.NextWriter(ctx, DataBinary)
	if _, err := w.Write(big[:100<<10]); err != nil {
		t.Fatal(err)
	}
	short, stop := context.WithTimeout(ctx, 200*time.Millisecond)
	_, _, err = sc.ReadMessage(short)
	stop()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadMessage of an unfinished message: %v", err)
	}
	if _, err := w.Write(big[100<<10:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, got, err := sc.ReadMessage(ctx)
	if err != nil || f != FormatBinary || !bytes.Equal(got, big) {
		t.Fatalf("ReadMessage after the ctx ended: %v, %d bytes, %v; want %d bytes", f, len(got), err, len(big))
	}
	if _, _, err := cl.NextReader(ctx); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("NextReader without Fragments: %v, want ErrUnsupported", err)
	}
	if _, err := cl.NextWriter(ctx, DataPing); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("NextWriter of a ping: %v", err)
	}
}
