package portable

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// waitData waits until r has received want (and fails on anything else).
func waitData(t *testing.T, r *recorder, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		got := string(r.data)
		r.mu.Unlock()
		if got == want {
			return
		}
		if !strings.HasPrefix(want, got) || time.Now().After(deadline) {
			t.Fatalf("received %q, want %q", got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hijackServer starts a net/http server (TLS when secure) whose handler
// hands each hijacked connection, with the bytes its reader buffered, to
// the returned channel; a client for it writes and reads raw bytes.
func hijackServer(t *testing.T, secure bool) (chan engine.Conn, func() net.Conn) {
	conns := make(chan engine.Conn, 1)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		first, _ := brw.Reader.Peek(brw.Reader.Buffered())
		conns <- Adopt(nc, append([]byte(nil), first...))
	}))
	if secure {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	return conns, func() net.Conn {
		var nc net.Conn
		var err error
		if secure {
			cfg := ts.Client().Transport.(*http.Transport).TLSClientConfig
			nc, err = tls.Dial("tcp", addr, cfg)
		} else {
			nc, err = net.Dial("tcp", addr)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
		return nc
	}
}

// An adopted hijacked connection, plain or TLS, runs under the engine's
// contract: the bytes net/http had buffered come first, then what the
// peer sends later; a full queue refuses with ErrWouldBlock and reports
// room with OnWritable; Close flushes, sends the TLS close_notify and the
// FIN, and OnClose reports nil.
func TestAdoptHijackedConn(t *testing.T) {
	for _, secure := range []bool{false, true} {
		name := "plain"
		if secure {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			conns, dial := hijackServer(t, secure)
			client := dial()
			// The request and the first data in one write: net/http's
			// reader buffers the data.
			if _, err := io.WriteString(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\nearly,"); err != nil {
				t.Fatal(err)
			}
			c := <-conns
			r := newRecorder()
			c.Start(r, engine.StartOptions{QueueSize: 1000})
			if err := <-r.opened; err != nil {
				t.Fatal(err)
			}
			if secure != (c.ConnectionState() != nil) {
				t.Fatalf("ConnectionState() = %v on a secure=%v connection", c.ConnectionState(), secure)
			}
			if !c.RemoteAddr().IsValid() || !c.LocalAddr().IsValid() {
				t.Fatalf("addresses %v %v", c.RemoteAddr(), c.LocalAddr())
			}
			waitData(t, r, "early,")
			if _, err := io.WriteString(client, "late"); err != nil {
				t.Fatal(err)
			}
			waitData(t, r, "early,late")

			out := make([]byte, 1500)
			for i := range out {
				out[i] = byte('a' + i%26)
			}
			n, err := c.Write(out)
			if n != 1000 || !errors.Is(err, engine.ErrWouldBlock) {
				t.Fatalf("Write = %d, %v; want 1000, ErrWouldBlock", n, err)
			}
			select {
			case <-r.writable:
			case <-time.After(10 * time.Second):
				t.Fatal("no OnWritable after the queue drained")
			}
			if n, err := c.Write(out[1000:]); n != 500 || err != nil {
				t.Fatalf("Write after OnWritable = %d, %v", n, err)
			}
			c.Close(5 * time.Second)
			got, err := io.ReadAll(client) // io.EOF: a FIN, or over TLS a close_notify
			if err != nil || string(got) != string(out) {
				t.Fatalf("client read %d bytes, %v; want the %d written, then EOF", len(got), err, len(out))
			}
			client.Close()
			if err := <-r.closed; err != nil {
				t.Fatalf("OnClose(%v) after a local close", err)
			}
		})
	}
}

// An adopted *tls.Conn whose handshake has not run yet runs it at Start,
// before OnOpen; writes made meanwhile go out after it.
func TestAdoptRunsPendingTLSHandshake(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer ts.Close()
	raw, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.ServerName = "127.0.0.1"
	tc := tls.Client(raw, cfg)
	c := Adopt(tc, nil)
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 4096, HandshakeTimeout: 10 * time.Second})
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := <-r.opened; err != nil {
		t.Fatal(err)
	}
	if st := c.ConnectionState(); st == nil || !st.HandshakeComplete {
		t.Fatalf("ConnectionState() = %v after OnOpen", st)
	}
	select {
	case err := <-r.closed: // the server closes after its answer
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose")
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(r.data))), nil)
	if err != nil {
		t.Fatalf("%v in %q", err, r.data)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hello" {
		t.Fatalf("body %q", body)
	}
}

// A conn without a TCP socket (net.Pipe: no half-close, no linger) is
// paused and resumed, told of idleness, and closed like any other.
func TestAdoptPipe(t *testing.T) {
	ours, peer := net.Pipe()
	defer peer.Close()
	c := Adopt(ours, []byte("first,"))
	r := newRecorder()
	idle := make(chan struct{}, 1)
	h := &idleRecorder{recorder: r, idle: idle}
	c.Start(h, engine.StartOptions{QueueSize: 100, Paused: true, IdleTimeout: 20 * time.Millisecond})
	<-r.opened
	select {
	case <-idle:
	case <-time.After(10 * time.Second):
		t.Fatal("no OnIdle")
	}
	r.mu.Lock()
	held := string(r.data)
	r.mu.Unlock()
	if held != "" {
		t.Fatalf("delivered %q while paused", held)
	}
	c.ResumeRead()
	waitData(t, r, "first,")
	go func() { _, _ = io.WriteString(peer, "second") }()
	waitData(t, r, "first,second")
	c.Close(time.Second)
	if _, err := io.ReadAll(peer); err != nil {
		t.Fatal(err)
	}
	if err := <-r.closed; err != nil {
		t.Fatalf("OnClose(%v)", err)
	}
	if err := c.(engine.Controller).Control(func(uintptr) {}); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Control on a pipe: %v", err)
	}
}

// Reset on an adopted TCP conn ends it with a TCP reset.
func TestAdoptReset(t *testing.T) {
	conns, dial := hijackServer(t, false)
	client := dial()
	if _, err := io.WriteString(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c := <-conns
	r := newRecorder()
	c.Start(r, engine.StartOptions{QueueSize: 100})
	<-r.opened
	c.Reset()
	if err := <-r.closed; err != nil {
		t.Fatalf("OnClose(%v) after Reset", err)
	}
	if _, err := client.Read(make([]byte, 1)); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("client read %v, want a reset", err)
	}
}

type idleRecorder struct {
	*recorder
	idle chan struct{}
}

func (r *idleRecorder) OnIdle() {
	select {
	case r.idle <- struct{}{}:
	default:
	}
}
