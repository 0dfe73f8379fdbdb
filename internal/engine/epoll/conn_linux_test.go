package epoll

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"golang.org/x/sys/unix"
)

func TestEcho(t *testing.T) {
	modes(t, func(t *testing.T, cfg *tls.Config) {
		ln, a := serve(t)
		client, _, r := startConn(t, ln, a, engine.StartOptions{TLS: cfg, QueueSize: 8 << 20}, true)
		data := stream(1, 2<<20)
		go client.Write(data)
		got := make([]byte, len(data))
		if _, err := io.ReadFull(client, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatal("echoed bytes differ")
		}
		client.Close()
		if err := wait(t, r.closed, "OnClose"); err != nil {
			t.Fatalf("OnClose(%v) after the peer's orderly close", err)
		}
		if r.overlap {
			t.Fatal("callbacks of one connection overlapped")
		}
	})
}

func TestPauseResumeLosesNothing(t *testing.T) {
	modes(t, func(t *testing.T, cfg *tls.Config) {
		ln, a := serve(t)
		client, c, r := startConn(t, ln, a, engine.StartOptions{TLS: cfg, QueueSize: 1 << 10, Paused: true}, false)
		data := stream(2, 16<<20)
		sent := make(chan int, 1)
		go func() {
			n, _ := client.Write(data)
			sent <- n
			client.Close()
		}()
		// While paused nothing is delivered, the kernel window closes and
		// the client's write stalls.
		time.Sleep(300 * time.Millisecond)
		if n := len(r.received()); n != 0 {
			t.Fatalf("%d bytes delivered while paused", n)
		}
		select {
		case n := <-sent:
			t.Fatalf("the client wrote all %d bytes while reading was paused", n)
		default:
		}
		// Resume and pause repeatedly; then let it run to the end.
		for range 5 {
			c.ResumeRead()
			time.Sleep(20 * time.Millisecond)
			c.PauseRead()
			time.Sleep(20 * time.Millisecond)
		}
		c.ResumeRead()
		if n := wait(t, sent, "the client's write"); n != len(data) {
			t.Fatalf("client wrote %d", n)
		}
		if err := wait(t, r.closed, "OnClose"); err != nil {
			t.Fatal(err)
		}
		if got := r.received(); sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("received %d of %d bytes, checksum mismatch", len(got), len(data))
		}
	})
}

func TestBoundedQueueThenWritable(t *testing.T) {
	modes(t, func(t *testing.T, cfg *tls.Config) {
		const limit = 10_000
		ln, a := listenOn(t, New(1), engine.ListenConfig{Host: "127.0.0.1", Socket: engine.SocketOptions{SendBuffer: 16 << 10}})
		client, c, r := startConn(t, ln, a, engine.StartOptions{TLS: cfg, QueueSize: limit}, false)
		// Write until the kernel buffers and the queue are full: a
		// would-block with more than half the queue still queued after a
		// pause, the client reading nothing.
		data := stream(3, 64<<20)
		off := 0
		fill := func() {
			for {
				n, err := c.Write(data[off:min(len(data), off+50_000)])
				off += n
				if q := c.Queued(); q > limit {
					t.Fatalf("Queued() = %d above QueueSize %d", q, limit)
				}
				if off == len(data) {
					t.Fatal("the queue never filled")
				}
				if err == nil {
					continue
				}
				if !errors.Is(err, engine.ErrWouldBlock) {
					t.Fatal(err)
				}
				if c.Queued() > limit/2 {
					time.Sleep(100 * time.Millisecond)
					if c.Queued() > limit/2 {
						return
					}
				}
				wait(t, r.writable, "OnWritable once the queue drained")
			}
		}
		// While the client reads nothing, OnWritable comes only if the
		// kernel still took bytes (on a loaded machine it may have been
		// slow to): then the queue has room, and it is filled again.
		for attempt := 0; ; attempt++ {
			fill()
			for len(r.writable) > 0 {
				<-r.writable
			}
			select {
			case <-r.writable:
				if q := c.Queued(); q >= limit {
					t.Fatalf("OnWritable with a full queue (%d bytes) before the peer read anything", q)
				}
				if attempt == 50 {
					t.Fatal("the kernel kept taking bytes from a peer that reads nothing")
				}
				continue
			case <-time.After(100 * time.Millisecond):
			}
			break
		}
		got := make(chan []byte, 1)
		go func() {
			b := make([]byte, off)
			_, err := io.ReadFull(client, b)
			if err != nil {
				b = nil
			}
			got <- b
		}()
		wait(t, r.writable, "OnWritable once the peer reads")
		if b := wait(t, got, "the client's reads"); !bytes.Equal(b, data[:off]) {
			t.Fatal("the client received other bytes than were accepted")
		}
	})
}

func TestCloseWithLingerFlushes(t *testing.T) {
	modes(t, func(t *testing.T, cfg *tls.Config) {
		ln, a := serve(t)
		data := stream(4, 8<<20)
		client, c, r := startConn(t, ln, a, engine.StartOptions{TLS: cfg, QueueSize: len(data)}, false)
		if n, err := c.Write(data); n != len(data) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		c.Close(10 * time.Second)
		if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Write after Close = %v, want net.ErrClosed", err)
		}
		got, err := io.ReadAll(client)
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(got), err)
		}
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("received %d of %d bytes", len(got), len(data))
		}
		client.Close()
		if err := wait(t, r.closed, "OnClose"); err != nil {
			t.Fatalf("OnClose(%v) after a local close", err)
		}
	})
}

func TestCloseLingerExpiredResets(t *testing.T) {
	ln, a := serve(t)
	client, c, r := startConn(t, ln, a, engine.StartOptions{QueueSize: 32 << 20}, false)
	c.Write(make([]byte, 32<<20)) // the client does not read
	began := time.Now()
	c.Close(150 * time.Millisecond)
	if err := wait(t, r.closed, "OnClose"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 100*time.Millisecond {
		t.Fatalf("closed after %v, before the linger time", d)
	}
	if _, err := io.Copy(io.Discard, client); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client read %v, want a reset", err)
	}
}

func TestResetSendsRST(t *testing.T) {
	modes(t, func(t *testing.T, cfg *tls.Config) {
		ln, a := serve(t)
		client, c, r := startConn(t, ln, a, engine.StartOptions{TLS: cfg, QueueSize: 1 << 20}, false)
		c.Write(make([]byte, 1<<20))
		c.Reset()
		if err := wait(t, r.closed, "OnClose"); err != nil {
			t.Fatalf("OnClose(%v) after Reset", err)
		}
		if c.Queued() != 0 {
			t.Fatal("queued data kept after Reset")
		}
		if _, err := io.Copy(io.Discard, client); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("client read %v, want a reset", err)
		}
	})
}

func TestResetBeforeStart(t *testing.T) {
	ln, a := serve(t)
	before := fdCount(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	wait(t, a, "Accept").Reset()
	if _, err := client.Read(make([]byte, 1)); err == nil {
		t.Fatal("read succeeded on a reset connection")
	}
	client.Close()
	waitFor(t, "the descriptors to be closed", func() bool { return fdCount(t) <= before })
}

func TestIdleTimeout(t *testing.T) {
	ln, a := serve(t)
	client, c, r := startConn(t, ln, a, engine.StartOptions{QueueSize: 1 << 10, IdleTimeout: 300 * time.Millisecond}, true)
	// Traffic every 50 ms keeps it from firing.
	for range 8 {
		time.Sleep(50 * time.Millisecond)
		client.Write([]byte("k"))
		if _, err := io.ReadFull(client, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
	}
	r.mu.Lock()
	idles := r.idles
	r.mu.Unlock()
	if idles != 0 {
		t.Fatalf("OnIdle fired %d times on an active connection", idles)
	}
	waitFor(t, "OnIdle twice (the timer re-arms)", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.idles >= 2
	})
	c.SetIdleTimeout(0)
	r.mu.Lock()
	idles = r.idles
	r.mu.Unlock()
	time.Sleep(700 * time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.idles > idles+1 {
		t.Fatalf("OnIdle kept firing after SetIdleTimeout(0): %d then %d", idles, r.idles)
	}
}

func TestHandshakeTimeoutStalledPeer(t *testing.T) {
	for _, tc := range []struct {
		name string
		send []byte
	}{
		{name: "silent", send: nil},                        // before any byte: the loop's timer
		{name: "partial record", send: []byte{0x16, 3, 1}}, // mid-handshake: the goroutine waits
	} {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			client, _, r := dialRaw(t, engine.StartOptions{TLS: serverConfig(), QueueSize: 1 << 10, HandshakeTimeout: 200 * time.Millisecond})
			client.Write(tc.send)
			err := wait(t, r.opened, "OnOpen")
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("OnOpen(%v), want a timeout", err)
			}
			if d := time.Since(began); d < 150*time.Millisecond || d > 3*time.Second {
				t.Fatalf("timed out after %v, want about 200ms", d)
			}
			if err := wait(t, r.closed, "OnClose"); err == nil {
				t.Fatal("OnClose(nil) after a handshake timeout")
			}
			client.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.Copy(io.Discard, client); err != nil {
				t.Fatalf("client: %v, want the connection closed", err)
			}
		})
	}
}

// dialRaw connects a plain client and starts the server side with opts,
// without waiting for anything.
func dialRaw(t *testing.T, opts engine.StartOptions) (net.Conn, engine.Conn, *recorder) {
	t.Helper()
	ln, a := serve(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c := wait(t, a, "Accept")
	r := newRecorder(c, false)
	c.Start(r, opts)
	return client, c, r
}

func TestGarbageInsteadOfClientHello(t *testing.T) {
	client, _, r := dialRaw(t, engine.StartOptions{TLS: serverConfig(), QueueSize: 1 << 10})
	client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	var rhe tls.RecordHeaderError
	if err := wait(t, r.opened, "OnOpen"); !errors.As(err, &rhe) {
		t.Fatalf("OnOpen(%v), want a tls.RecordHeaderError", err)
	}
	if err := wait(t, r.closed, "OnClose"); err == nil {
		t.Fatal("OnClose(nil) after a failed handshake")
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, client)
}

func TestWriteBeforeHandshakeEndsIsSentAfter(t *testing.T) {
	raw, c, r := dialRaw(t, engine.StartOptions{TLS: serverConfig(), QueueSize: 100})
	if n, err := c.Write(make([]byte, 150)); n != 100 || !errors.Is(err, engine.ErrWouldBlock) {
		t.Fatalf("Write before the handshake = %d, %v; want 100, ErrWouldBlock", n, err)
	}
	if c.Queued() != 100 {
		t.Fatalf("Queued() = %d", c.Queued())
	}
	tc := tls.Client(raw, clientConfig())
	if _, err := io.ReadFull(tc, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	wait(t, r.writable, "OnWritable after the early bytes went out")
	if st := c.ConnectionState(); st == nil || !st.HandshakeComplete || st.ServerName != "localhost" {
		t.Fatalf("ConnectionState = %+v", st)
	}
}

func TestSocketOptionsApplied(t *testing.T) {
	e := New(1)
	ln, a := listenOn(t, e, engine.ListenConfig{Host: "127.0.0.1", Socket: engine.SocketOptions{
		KeepAlive: true, KeepAliveIdle: 7 * time.Second, KeepAliveInterval: 3 * time.Second,
		NoDelay: true, ReceiveBuffer: 64 << 10, SendBuffer: 64 << 10,
	}})
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := wait(t, a, "Accept").(*conn)
	defer c.Reset()
	for _, o := range []struct {
		name        string
		level, opt  int
		want, atLst int
	}{
		{name: "SO_KEEPALIVE", level: unix.SOL_SOCKET, opt: unix.SO_KEEPALIVE, want: 1},
		{name: "TCP_KEEPIDLE", level: unix.IPPROTO_TCP, opt: unix.TCP_KEEPIDLE, want: 7},
		{name: "TCP_KEEPINTVL", level: unix.IPPROTO_TCP, opt: unix.TCP_KEEPINTVL, want: 3},
		{name: "TCP_NODELAY", level: unix.IPPROTO_TCP, opt: unix.TCP_NODELAY, want: 1},
		{name: "SO_RCVBUF", level: unix.SOL_SOCKET, opt: unix.SO_RCVBUF, atLst: 64 << 10},
		{name: "SO_SNDBUF", level: unix.SOL_SOCKET, opt: unix.SO_SNDBUF, atLst: 64 << 10},
	} {
		v, err := unix.GetsockoptInt(c.fd, o.level, o.opt)
		if err != nil {
			t.Fatalf("%s: %v", o.name, err)
		}
		if (o.want != 0 && v != o.want) || v < o.atLst {
			t.Errorf("%s = %d", o.name, v)
		}
	}
	if fl, _ := unix.FcntlInt(uintptr(c.fd), unix.F_GETFL, 0); fl&unix.O_NONBLOCK == 0 {
		t.Error("accepted socket is blocking")
	}
}

func TestListenSharedFamiliesAndBacklog(t *testing.T) {
	e := New(1)
	ln, _ := listenOn(t, e, engine.ListenConfig{Host: "127.0.0.1", Shared: true, Backlog: 16})
	port := ln.Addr().(*net.TCPAddr).Port
	if _, err := e.Listen(engine.ListenConfig{Host: "127.0.0.1", Port: port}, make(acceptCh)); err == nil {
		t.Fatal("an exclusive bind of a shared port succeeded")
	}
	listenOn(t, e, engine.ListenConfig{Host: "127.0.0.1", Port: port, Shared: true})

	for _, tc := range []struct {
		name string
		cfg  engine.ListenConfig
		dial string
	}{
		{name: "ipv6 only", cfg: engine.ListenConfig{Host: "::1", Family: engine.IPv6Only}, dial: "::1"},
		{name: "dual stack", cfg: engine.ListenConfig{Host: "127.0.0.1", Family: engine.DualStack}, dial: "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, a := listenOn(t, e, tc.cfg)
			port := ln.Addr().(*net.TCPAddr).Port
			client, err := net.Dial("tcp", net.JoinHostPort(tc.dial, strconv.Itoa(port)))
			if err != nil {
				t.Skipf("no %s loopback here: %v", tc.dial, err)
			}
			defer client.Close()
			c := wait(t, a, "Accept")
			defer c.Reset()
			if got := c.RemoteAddr().Addr().String(); got != tc.dial {
				t.Fatalf("RemoteAddr %s, want %s (unmapped)", got, tc.dial)
			}
			if got, want := c.RemoteAddr(), client.LocalAddr().(*net.TCPAddr).AddrPort(); got.Port() != want.Port() {
				t.Fatalf("RemoteAddr %s, want the client's %s", got, want)
			}
			if got := c.LocalAddr(); got.Addr().String() != tc.dial || int(got.Port()) != port {
				t.Fatalf("LocalAddr %s, want %s port %d", got, tc.dial, port)
			}
		})
	}
	sa, _ := unix.Getsockname(ln.(*listener).fd)
	if sockaddrPort(sa).Port() != uint16(port) {
		t.Fatal("bound port differs from Addr")
	}
}

func TestUnstartedCloseHasNoCallbacks(t *testing.T) {
	ln, a := serve(t)
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := wait(t, a, "Accept")
	c.Close(time.Second)
	c.Start(newRecorder(c, false), engine.StartOptions{QueueSize: 1}) // ignored after Close
	if _, err := client.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read %v, want EOF", err)
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	modes(t, func(t *testing.T, cfg *tls.Config) {
		const writers, each = 4, 2 << 20
		ln, a := serve(t)
		client, c, r := startConn(t, ln, a, engine.StartOptions{TLS: cfg, QueueSize: 64 << 10}, false)
		var counts [writers]int
		got := make(chan error, 1)
		go func() {
			buf := make([]byte, 32<<10)
			total := 0
			for total < writers*each {
				n, err := client.Read(buf)
				for _, b := range buf[:n] {
					if int(b) >= writers {
						got <- errors.New("a byte no writer wrote")
						return
					}
					counts[b]++
				}
				total += n
				if err != nil {
					got <- err
					return
				}
			}
			got <- nil
		}()
		errs := make(chan error, writers)
		for w := range writers {
			go func() {
				p := bytes.Repeat([]byte{byte(w)}, 8<<10)
				left := each
				for left > 0 {
					n, err := c.Write(p[:min(len(p), left)])
					left -= n
					if errors.Is(err, engine.ErrWouldBlock) {
						time.Sleep(time.Millisecond) // OnWritable goes to the recorder
						continue
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := wait(t, errs, "a writer"); err != nil {
				t.Fatal(err)
			}
		}
		if err := wait(t, got, "the client's reads"); err != nil {
			t.Fatal(err)
		}
		for w, n := range counts {
			if n != each {
				t.Fatalf("writer %d: %d bytes arrived, %d written", w, n, each)
			}
		}
		c.Close(time.Second)
		wait(t, r.closed, "OnClose")
	})
}

// trickleConn writes in pieces of a few bytes with pauses, so the server
// reads TLS records in fragments.
type trickleConn struct{ net.Conn }

func (t trickleConn) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i += 7 {
		if _, err := t.Conn.Write(p[i:min(len(p), i+7)]); err != nil {
			return i, err
		}
		time.Sleep(100 * time.Microsecond)
	}
	return len(p), nil
}

// TestTLSRecordsInFragments checks that crypto/tls, read from the loop,
// keeps a partial record when the in-memory conn has no more bytes and
// completes it on a later read.
func TestTLSRecordsInFragments(t *testing.T) {
	ln, a := serve(t)
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c := wait(t, a, "Accept")
	r := newRecorder(c, false)
	c.Start(r, engine.StartOptions{TLS: serverConfig(), QueueSize: 1 << 10, HandshakeTimeout: 5 * time.Second})
	tc := tls.Client(trickleConn{raw}, clientConfig())
	data := stream(6, 3000)
	if _, err := tc.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, r.opened, "OnOpen"); err != nil {
		t.Fatal(err)
	}
	tc.Close()
	if err := wait(t, r.closed, "OnClose"); err != nil {
		t.Fatalf("OnClose(%v)", err)
	}
	if got := r.received(); !bytes.Equal(got, data) {
		t.Fatalf("received %d bytes, want the %d sent", len(got), len(data))
	}
}
