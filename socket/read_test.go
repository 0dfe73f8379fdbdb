package socket

import (
	"errors"
	"io"
	"testing"
	"time"
)

// waitAvailable waits until s has at least n bytes buffered.
func waitAvailable(t *testing.T, s *Socket, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.BytesAvailable() < n {
		s.mu.Lock()
		ch := s.changes()
		s.mu.Unlock()
		if s.BytesAvailable() >= n {
			return
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("only %d of %d bytes arrived", s.BytesAvailable(), n)
		}
	}
}

func TestNonBlockingReads(t *testing.T) {
	t.Parallel()
	l, d := pair(t, Config{}, Config{})
	defer l.Close()
	defer d.Close()

	if _, err := d.ReadN(10); !errors.Is(err, ErrNoData) {
		t.Fatalf("ReadN on an empty buffer: %v, want ErrNoData", err)
	}
	if n, err := d.ReadInto(make([]byte, 4)); n != 0 || !errors.Is(err, ErrNoData) {
		t.Fatalf("ReadInto on an empty buffer: %d, %v", n, err)
	}
	if d.ReadAll() != nil || d.Lookahead() != nil {
		t.Fatal("ReadAll/Lookahead of an empty buffer not nil")
	}
	if _, err := d.ReadNumber(); !errors.Is(err, ErrWrongFormat) {
		t.Fatalf("ReadNumber in buffer format: %v", err)
	}

	if _, err := l.Send([]byte("hello, world")); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, d, 12)
	if got := string(d.Lookahead()); got != "hello, world" {
		t.Fatalf("Lookahead = %q", got)
	}
	if d.BytesAvailable() != 12 {
		t.Fatalf("Lookahead consumed: %d left", d.BytesAvailable())
	}
	if p, err := d.ReadN(5); err != nil || string(p) != "hello" {
		t.Fatalf("ReadN(5) = %q, %v", p, err)
	}
	buf := make([]byte, 3)
	if n, err := d.ReadInto(buf); err != nil || string(buf[:n]) != ", w" {
		t.Fatalf("ReadInto = %q, %v", buf[:n], err)
	}
	if got := string(d.ReadAll()); got != "orld" {
		t.Fatalf("ReadAll = %q", got)
	}

	if _, err := l.Send([]byte("purge me")); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, d, 8)
	d.Purge()
	if d.BytesAvailable() != 0 {
		t.Fatal("Purge left data")
	}

	// Close keeps the unread data, port and address.
	if _, err := l.Send([]byte("kept")); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, d, 4)
	port := d.Port()
	d.Close()
	if d.Port() != port || d.Address() != "127.0.0.1" || d.Handle() != -1 || d.IsConnected() {
		t.Errorf("after Close: port %d (was %d), address %q, handle %d", d.Port(), port, d.Address(), d.Handle())
	}
	if p, err := d.ReadN(100); err != nil || string(p) != "kept" {
		t.Fatalf("ReadN after Close = %q, %v", p, err)
	}
	if _, err := d.ReadN(1); !errors.Is(err, io.EOF) {
		t.Fatalf("ReadN after Close on an empty buffer: %v, want io.EOF", err)
	}
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	l, d := pair(t, Config{}, Config{Format: FormatNumber})
	defer l.Close()
	defer d.Close()
	if d.Format() != FormatNumber || d.Format().String() != "number" {
		t.Fatalf("Format = %v", d.Format())
	}
	if _, err := d.ReadNumber(); !errors.Is(err, ErrNoData) {
		t.Fatalf("ReadNumber on empty: %v", err)
	}
	if _, err := l.Send([]byte{7, 255}); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, d, 2)
	if _, err := d.ReadN(1); !errors.Is(err, ErrWrongFormat) {
		t.Fatalf("ReadN in number format: %v", err)
	}
	for _, want := range []byte{7, 255} {
		if b, err := d.ReadNumber(); err != nil || b != want {
			t.Fatalf("ReadNumber = %d, %v; want %d", b, err, want)
		}
	}
}

func TestReceiveBufferBackpressure(t *testing.T) {
	t.Parallel()
	l, d := pair(t, Config{}, Config{ReceiveBufferSize: 1000})
	defer l.Close()
	defer d.Close()
	payload := make([]byte, 5000)
	for i := range payload {
		payload[i] = byte(i)
	}
	go func() { _, _ = l.Write(payload) }()
	waitAvailable(t, d, 1000)
	if n := d.BytesAvailable(); n != 1000 {
		t.Fatalf("buffer holds %d, bound is 1000", n)
	}
	got := make([]byte, len(payload))
	d.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(d, got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != payload[i] {
			t.Fatalf("byte %d differs", i)
		}
	}
}
