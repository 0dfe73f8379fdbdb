package server

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	engpkg "github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/socket"
)

// eventLog records the events of each connection and fails the test if two
// events of one connection ever overlap.
type eventLog struct {
	t      testing.TB
	mu     sync.Mutex
	seq    map[int64][]string
	inside map[int64]*atomic.Int32
	done   chan int64 // receives the id of each Disconnected connection
}

func newEventLog(t testing.TB) *eventLog {
	return &eventLog{t: t, seq: map[int64][]string{}, inside: map[int64]*atomic.Int32{}, done: make(chan int64, 100)}
}

func (l *eventLog) enter(c *Conn, what string) func() {
	l.mu.Lock()
	in := l.inside[c.ConnectionID()]
	if in == nil {
		in = new(atomic.Int32)
		l.inside[c.ConnectionID()] = in
	}
	l.seq[c.ConnectionID()] = append(l.seq[c.ConnectionID()], what)
	l.mu.Unlock()
	if in.Add(1) != 1 {
		l.t.Errorf("connection %d: %s entered while another event ran", c.ConnectionID(), what)
	}
	return func() { in.Add(-1) }
}

func (l *eventLog) events(echo bool) Events {
	return Events{
		OnConnected: func(c *Conn) {
			defer l.enter(c, "connected")()
			time.Sleep(time.Millisecond) // widen the window for overlap
		},
		OnReadyToSend: func(c *Conn) { defer l.enter(c, "ready")() },
		OnDataIn: func(c *Conn, text []byte, eol bool) {
			defer l.enter(c, fmt.Sprintf("data %q %v", text, eol))()
			if echo {
				c.SendLine(string(text))
			}
		},
		OnDisconnected: func(c *Conn, err error) {
			defer l.enter(c, fmt.Sprintf("disconnected %v", err))()
			l.done <- c.ConnectionID()
		},
	}
}

func (l *eventLog) get(id int64) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seq[id]...)
}

func TestEventsInOrderNeverReentrant(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, useTLS := range []bool{false, true} {
			t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
				log := newEventLog(t)
				o := Options{DefaultEOL: []byte("\r\n"), Events: log.events(true)}
				if useTLS {
					o.TLSConfig = getPKI(t).serverConfig()
				}
				s := start(t, engine, o)
				const clients, lines = 8, 50
				var wg sync.WaitGroup
				for i := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var c net.Conn
						var err error
						if useTLS {
							c, err = tls.Dial("tcp", s.Addr().String(), getPKI(t).clientConfig())
						} else {
							c, err = net.Dial("tcp", s.Addr().String())
						}
						if err != nil {
							t.Error(err)
							return
						}
						defer c.Close()
						r := bufio.NewReader(c)
						for j := range lines {
							fmt.Fprintf(c, "c%d-l%d\r\n", i, j)
						}
						for j := range lines {
							line, err := r.ReadString('\n')
							if want := fmt.Sprintf("c%d-l%d\r\n", i, j); line != want || err != nil {
								t.Errorf("echo %q, %v; want %q", line, err, want)
								return
							}
						}
					}()
				}
				wg.Wait()
				for range clients {
					id := <-log.done
					seq := log.get(id)
					if len(seq) != 2+lines+1 || seq[0] != "connected" || seq[1] != "ready" ||
						seq[len(seq)-1] != "disconnected <nil>" {
						t.Fatalf("connection %d events: %q", id, seq)
					}
					prefix := ""
					for j, e := range seq[2 : 2+lines] {
						var ci int
						if _, err := fmt.Sscanf(e, "data \"c%d-l", &ci); err != nil {
							t.Fatalf("event %q", e)
						}
						if j == 0 {
							prefix = fmt.Sprintf("c%d", ci)
						}
						if want := fmt.Sprintf("data %q true", fmt.Sprintf("%s-l%d", prefix, j)); e != want {
							t.Fatalf("event %d = %s, want %s", j, e, want)
						}
					}
				}
				waitFor(t, "connection map to empty", func() bool { return s.ConnectionCount() == 0 })
			})
		}
	})
}

func TestSlowHandlerDoesNotStallOthers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		release := make(chan struct{})
		s := start(t, engine, Options{Events: Events{OnDataIn: func(c *Conn, text []byte, eol bool) {
			if string(text) == "block" {
				<-release
			}
			c.Send(text)
		}}})
		slow := dial(t, s)
		slow.Write([]byte("block"))
		fast := dial(t, s)
		fast.Write([]byte("ping"))
		buf := make([]byte, 4)
		fast.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(fast, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("fast connection stalled behind a slow handler: %q %v", buf, err)
		}
		close(release)
		if _, err := io.ReadFull(slow, make([]byte, 5)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestConnectionMap(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		connected := make(chan *Conn, 10)
		s := start(t, engine, Options{Events: Events{
			OnConnected: func(c *Conn) {
				c.SetUserData(fmt.Sprintf("user-%d", c.ConnectionID()))
				connected <- c
			},
		}})
		var clients []net.Conn
		var ids []int64
		for range 3 {
			clients = append(clients, dial(t, s))
			c := <-connected
			ids = append(ids, c.ConnectionID())
			if c.RemoteHost() != "127.0.0.1" || c.RemotePort() == 0 || c.LocalPort() != s.LocalPort() || c.LocalAddress() != "127.0.0.1" {
				t.Fatalf("addresses: %s:%d -> %s:%d", c.RemoteHost(), c.RemotePort(), c.LocalAddress(), c.LocalPort())
			}
			if !c.Connected() || !c.ReadyToSend() || !c.AcceptData() {
				t.Fatal("fresh connection not connected/ready/accepting")
			}
		}
		if s.ConnectionCount() != 3 {
			t.Fatalf("count %d", s.ConnectionCount())
		}
		var seen []int64
		for c := range s.Connections() {
			seen = append(seen, c.ConnectionID())
			if c.UserData() != fmt.Sprintf("user-%d", c.ConnectionID()) {
				t.Fatalf("UserData = %v", c.UserData())
			}
		}
		if fmt.Sprint(seen) != fmt.Sprint(ids) {
			t.Fatalf("iteration %v, want %v", seen, ids)
		}
		c, err := s.Conn(ids[1])
		if err != nil || c.ConnectionID() != ids[1] {
			t.Fatalf("Conn(%d) = %v, %v", ids[1], c, err)
		}
		if _, err := s.Conn(12345); !errorsIsCode(err, 126) {
			t.Fatalf("Conn(unknown) = %v, want code 126", err)
		}
		if n, err := s.Broadcast([]byte("all!")); n != 3 || err != nil {
			t.Fatalf("Broadcast = %d, %v", n, err)
		}
		for _, cl := range clients {
			buf := make([]byte, 4)
			if _, err := io.ReadFull(cl, buf); err != nil || string(buf) != "all!" {
				t.Fatalf("broadcast received %q %v", buf, err)
			}
		}
		// Iteration while connections close stays valid.
		for c := range s.Connections() {
			c.Disconnect()
		}
		for _, cl := range clients {
			if _, err := cl.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("client read after Disconnect: %v, want EOF", err)
			}
			cl.Close()
		}
		waitFor(t, "map to empty", func() bool { return s.ConnectionCount() == 0 })
		if c.Connected() {
			t.Fatal("closed connection still Connected")
		}
		if _, err := c.Send([]byte("x")); !errorsIsCode(err, 10057) || !errors.Is(err, net.ErrClosed) || !errors.Is(err, socket.ErrNotConnected) {
			t.Fatalf("Send on closed = %v, want ErrNotConnected", err)
		}
	})
}

func errorsIsCode(err error, code int) bool {
	_, ok := err.(*Error)
	return ok && Code(err) == code
}

func TestEOLFramingAndRecordLengthInsideDataIn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		got := make(chan string, 10)
		s := start(t, engine, Options{DefaultEOL: []byte{0, '|'}, Events: Events{
			OnDataIn: func(c *Conn, text []byte, eol bool) {
				got <- fmt.Sprintf("%q %v", text, eol)
				// A header "len=N" announces a binary record of N bytes.
				var n int
				if _, err := fmt.Sscanf(string(text), "len=%d", &n); err == nil {
					c.ChangeRecordLength(n)
				} else if c.RecordLength() > 0 {
					c.ChangeRecordLength(0)
				}
			},
		}})
		c := dial(t, s)
		// Sent in pieces so framing cannot rely on read boundaries.
		for _, p := range []string{"len=5\x00", "|ab\x00|c", "de\x00", "|tail\x00|"} {
			c.Write([]byte(p))
			time.Sleep(2 * time.Millisecond)
		}
		want := []string{`"len=5" true`, `"ab\x00|c" true`, `"de" true`, `"tail" true`}
		for i, w := range want {
			select {
			case g := <-got:
				if g != w {
					t.Fatalf("record %d = %s, want %s", i, g, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("record %d missing", i)
			}
		}
	})
}

func TestSingleLineModeAndMaxLineLength(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		got := make(chan string, 10)
		s := start(t, engine, Options{DefaultSingleLineMode: true, DefaultMaxLineLength: 256, Events: Events{
			OnDataIn: func(c *Conn, text []byte, eol bool) { got <- fmt.Sprintf("%d %v", len(text), eol) },
		}})
		c := dial(t, s)
		c.Write([]byte("a\rbb\ncc\r\n" + strings.Repeat("x", 300) + "\n"))
		for _, w := range []string{"1 true", "2 true", "2 true", "256 false", "44 true"} {
			if g := <-got; g != w {
				t.Fatalf("got %s want %s", g, w)
			}
		}
	})
}

func TestPartialLineDeliveredAtClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		got := make(chan string, 10)
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), Events: Events{
			OnDataIn:       func(c *Conn, text []byte, eol bool) { got <- fmt.Sprintf("%s %v", text, eol) },
			OnDisconnected: func(c *Conn, _ error) { got <- "disconnected" },
		}})
		c := dial(t, s)
		c.Write([]byte("whole\npartial"))
		c.Close()
		for _, w := range []string{"whole true", "partial false", "disconnected"} {
			if g := <-got; g != w {
				t.Fatalf("got %q want %q", g, w)
			}
		}
	})
}

func TestTLSEchoAndNegotiatedInfo(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		infos := make(chan string, 1)
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: p.serverConfig(), Events: Events{
			OnConnected: func(c *Conn) {
				v, _ := c.s.Config(fmt.Sprintf("SSLNegotiatedVersion[%d]", c.ConnectionID()))
				cs, _ := c.s.Config(fmt.Sprintf("SSLNegotiatedCipher[%d]", c.ConnectionID()))
				st, _ := c.s.Config(fmt.Sprintf("SSLNegotiatedCipherStrength[%d]", c.ConnectionID()))
				kx, _ := c.s.Config(fmt.Sprintf("SSLNegotiatedKeyExchange[%d]", c.ConnectionID()))
				info, _ := c.TLS()
				infos <- fmt.Sprintf("%s %s %s %s %s %s", v, cs, st, kx, info.ServerName, info.ALPN)
			},
			OnDataIn: func(c *Conn, text []byte, eol bool) { c.SendLine(strings.ToUpper(string(text))) },
		}})
		for _, tc := range []struct {
			name string
			cfg  func(*tls.Config)
			want string
		}{
			{"tls13", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} },
				"TLS1.3 AES_128_GCM 128 ECDHE localhost "},
			{"tls12", func(c *tls.Config) {
				c.MaxVersion = tls.VersionTLS12
				c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
				c.CurvePreferences = []tls.CurveID{tls.CurveP256}
			}, "TLS1.2 AES_256_GCM 256 ECDHE localhost "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cfg := p.clientConfig()
				tc.cfg(cfg)
				c := dialTLS(t, s, cfg)
				fmt.Fprintf(c, "hello\n")
				if got := readLine(t, bufio.NewReader(c)); got != "HELLO" {
					t.Fatalf("echo %q", got)
				}
				if got := <-infos; got != tc.want {
					t.Fatalf("negotiated %q, want %q", got, tc.want)
				}
			})
		}
	})
}

// TestRawDataThenLines starts with the default settings, under which a
// connection has no framer and data comes as it arrives, then turns line
// splitting on inside DataIn and off again.
func TestRawDataThenLines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		got := make(chan string, 10)
		defaults := make(chan string, 1)
		s := start(t, engine, Options{Events: Events{
			OnConnected: func(c *Conn) {
				defaults <- fmt.Sprintf("%q %v %d %d", c.EOL(), c.SingleLineMode(), c.MaxLineLength(), c.RecordLength())
			},
			OnDataIn: func(c *Conn, text []byte, eol bool) {
				got <- fmt.Sprintf("%q %v", text, eol)
				switch string(text) {
				case "raw":
					c.SetEOL([]byte("\n"))
				case "two":
					c.SetEOL(nil)
				}
			},
		}})
		c := dial(t, s)
		if d, want := <-defaults, `"" false 2048 0`; d != want {
			t.Fatalf("default settings %s, want %s", d, want)
		}
		c.Write([]byte("raw"))
		for i, p := range []string{"one\ntw", "o\n", "rest\nas is"} {
			if i == 0 {
				if g := <-got; g != `"raw" true` {
					t.Fatalf("first data %s", g)
				}
			}
			c.Write([]byte(p))
			time.Sleep(5 * time.Millisecond)
		}
		for i, w := range []string{`"one" true`, `"two" true`, `"rest\nas is" true`} {
			select {
			case g := <-got:
				if g != w {
					t.Fatalf("data %d = %s, want %s", i, g, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("data %d missing", i)
			}
		}
	})
}

// The events carry an error: nil for an orderly close, an *Error whose
// chain holds the condition otherwise; the conditions are the ones other
// packages and the standard library use for the same thing.
func TestEventsCarryError(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		gone := make(chan error, 2)
		sendErr := make(chan error, 1)
		s := start(t, engine, Options{OutBufferSize: 4096, Events: Events{
			OnConnected: func(c *Conn) { c.SetIdleTimeout(300 * time.Millisecond) },
			OnDataIn: func(c *Conn, text []byte, eol bool) {
				if string(text) == "flood" {
					// The client does not read: the queue fills.
					_, err := c.Send(make([]byte, 32<<20))
					sendErr <- err
				}
			},
			OnDisconnected: func(c *Conn, err error) { gone <- err },
		}})

		// An orderly close by the client: nil.
		c := dial(t, s)
		c.Write([]byte("hi\r\n"))
		c.Close()
		if err := <-gone; err != nil {
			t.Fatalf("orderly close: OnDisconnected %v (%T), want nil", err, err)
		}

		// A full queue: ErrWouldBlock, the engine's and the socket's.
		c = dial(t, s)
		c.Write([]byte("flood"))
		err := <-sendErr
		if !errors.Is(err, ErrWouldBlock) || !errors.Is(err, engpkg.ErrWouldBlock) || !errors.Is(err, socket.ErrWouldBlock) ||
			Code(err) != 135 {
			t.Fatalf("Send into a full queue: %v (code %d), want ErrWouldBlock", err, Code(err))
		}

		// The idle timeout: ErrTimedOut, os.ErrDeadlineExceeded, a
		// net.Error timeout, 10060.
		err = <-gone
		var se *Error
		var ne net.Error
		if !errors.As(err, &se) || se.ConnID == 0 || !errors.Is(err, ErrTimedOut) || !errors.Is(err, os.ErrDeadlineExceeded) ||
			!errors.Is(err, socket.ErrTimedOut) || !errors.As(err, &ne) || !ne.Timeout() || Code(err) != 10060 {
			t.Fatalf("idle timeout: OnDisconnected %v (code %d), want an *Error matching ErrTimedOut", err, Code(err))
		}
		if errors.Is(err, ErrHandshake) || errors.Is(err, net.ErrClosed) {
			t.Fatalf("idle timeout %v matches other conditions", err)
		}
	})
}
