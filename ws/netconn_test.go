package ws

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// NetConn carries a byte stream over messages: a line protocol spoken
// with bufio over it (lines split across messages and several in one),
// deadlines as net.Conn has them (one set while a Read waits wakes it),
// io.EOF after a normal close.
func TestNetConn(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Events: echoEvents()})
	c := dialT(t, s.URL(), nil)
	var nc net.Conn = NetConn(c, DataBinary)
	if nc.RemoteAddr().String() != s.Addr().String() {
		t.Errorf("RemoteAddr %v, want %v", nc.RemoteAddr(), s.Addr())
	}
	br := bufio.NewReader(nc)
	for _, w := range []string{"hel", "lo\nwor", "ld\nagain\n"} {
		if _, err := io.WriteString(nc, w); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"hello\n", "world\n", "again\n"} {
		if got, err := br.ReadString('\n'); err != nil || got != want {
			t.Fatalf("ReadString: %q, %v; want %q", got, err, want)
		}
	}

	// A deadline in the past: the Read fails at once with a timeout and
	// the connection stays usable.
	_ = nc.SetReadDeadline(time.Now().Add(-time.Second))
	var ne net.Error
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read past the deadline: %v", err)
	}
	// A Read that waits is woken by a deadline set meanwhile.
	_ = nc.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := nc.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the Read wait (if it has not yet, it sees the deadline anyway)
	_ = nc.SetReadDeadline(time.Now())
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("waiting Read after SetReadDeadline(now): %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SetReadDeadline did not wake the waiting Read")
	}
	_ = nc.SetDeadline(time.Time{})
	if _, err := io.WriteString(nc, "still here\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := br.ReadString('\n'); err != nil || got != "still here\n" {
		t.Fatalf("after the timeouts: %q, %v", got, err)
	}
	// The server closes normally: Read returns io.EOF.
	for sc := range s.Connections() {
		_ = sc.Close(CloseNormal, "bye")
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the server's normal close: %v, want io.EOF", err)
	}
	if err := nc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Close: %v", err)
	}
}

// A text NetConn sends text messages.
func TestNetConnText(t *testing.T) {
	t.Parallel()
	formats := make(chan DataFormat, 1)
	s := startServer(t, Options{Events: Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, _, _ bool) { formats <- f }}})
	nc := NetConn(dialT(t, s.URL(), nil), DataText)
	if _, err := nc.Write([]byte(strings.Repeat("é", 10))); err != nil {
		t.Fatal(err)
	}
	if f := <-formats; f != FormatText {
		t.Fatalf("format %v, want text", f)
	}
	if err := nc.Close(); err != nil {
		t.Fatal(err)
	}
}
