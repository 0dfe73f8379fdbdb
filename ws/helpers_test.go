package ws

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// startServer starts a standalone server on 127.0.0.1:0 and stops it when
// the test ends.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Server.LocalHost = "127.0.0.1"
	if opts.Server.Engine == "" {
		opts.Server.Engine = server.Engine(testEngine) // see TestMain
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		_ = s.Close()
	})
	return s
}

// echoEvents echoes every message back whole (the default; not with Fragments).
func echoEvents() Events {
	return Events{
		OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			_, _ = c.SendMessage(SendFormatOf(f), data)
		},
	}
}

// rawClient is a test peer speaking raw bytes: it writes what the test
// builds and decodes the server's frames with wsproto.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	enc  wsproto.Encoder
	dec  *wsproto.Decoder
	resp *wsproto.UpgradeResponse
	buf  []byte
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawClient{t: t, conn: conn, br: bufio.NewReader(conn), enc: wsproto.Encoder{Role: wsproto.RoleClient, MaxFrameSize: -1},
		dec: wsproto.NewDecoder(wsproto.RoleClient, wsproto.DecoderOptions{MaxMessageSize: -1, Compression: true})}
}

// upgrade sends a valid upgrade request with extra header lines and reads
// the response head.
func (r *rawClient) upgrade(extra ...string) *wsproto.UpgradeResponse {
	r.t.Helper()
	req := "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	for _, e := range extra {
		req += e + "\r\n"
	}
	return r.request(req + "\r\n")
}

// request sends a raw request and returns the response head.
func (r *rawClient) request(req string) *wsproto.UpgradeResponse {
	r.t.Helper()
	if _, err := r.conn.Write([]byte(req)); err != nil {
		r.t.Fatal(err)
	}
	var p wsproto.ResponseParser
	buf := make([]byte, 1)
	for {
		n, err := r.br.Read(buf)
		if err != nil {
			r.t.Fatalf("reading response: %v", err)
		}
		resp, rest, err := p.Feed(buf[:n])
		if err != nil {
			r.t.Fatal(err)
		}
		if resp != nil {
			if len(rest) > 0 {
				r.t.Fatalf("unexpected bytes after head: %q", rest)
			}
			r.resp = resp
			return resp
		}
	}
}

func (r *rawClient) write(b []byte) {
	r.t.Helper()
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// frame writes one masked frame with the given header bits.
func (r *rawClient) frame(fin bool, op wsproto.Opcode, payload []byte) {
	r.t.Helper()
	r.write(wsproto.AppendFrame(nil, wsproto.Header{Fin: fin, Opcode: op, Masked: true, Mask: [4]byte{1, 2, 3, 4}, Length: uint64(len(payload))}, append([]byte(nil), payload...)))
}

// rawFrame is a whole frame the server sent.
type rawFrame struct {
	Header  wsproto.Header
	Payload []byte
}

// next reads the next whole frame; ok=false at EOF.
func (r *rawClient) next() (rawFrame, bool) {
	r.t.Helper()
	return readRawFrame(r.t, "server", r.dec, r.br, &r.buf)
}

// readRawFrame reads the peer's next whole frame through dec, reading br
// into *buf as needed; ok=false at EOF. A frame dec refuses fails the test.
func readRawFrame(t *testing.T, peer string, dec *wsproto.Decoder, br *bufio.Reader, buf *[]byte) (rawFrame, bool) {
	t.Helper()
	var f rawFrame
	for {
		c, ok, err := dec.Next()
		if err != nil {
			t.Fatalf("%s sent a bad frame: %v", peer, err)
		}
		if ok {
			if c.First {
				f = rawFrame{Header: c.Header}
			}
			f.Payload = append(f.Payload, c.Data...)
			if c.Last {
				return f, true
			}
			continue
		}
		if *buf == nil {
			*buf = make([]byte, 64<<10)
		}
		n, err := br.Read(*buf)
		if n == 0 && err != nil {
			return f, false
		}
		dec.Feed((*buf)[:n])
	}
}

// expectClose reads frames until a Close and returns its code, then checks
// that the server closes TCP.
func (r *rawClient) expectClose() wsproto.CloseCode {
	r.t.Helper()
	for {
		f, ok := r.next()
		if !ok {
			r.t.Fatal("connection closed without a Close frame")
		}
		if f.Header.Opcode == wsproto.OpClose {
			code, _, err := wsproto.ParseClosePayload(f.Payload)
			if err != nil {
				r.t.Fatalf("bad close payload: %v", err)
			}
			return code
		}
	}
}

// expectEOF checks that the server closes the TCP connection.
func (r *rawClient) expectEOF() {
	r.t.Helper()
	buf := make([]byte, 256)
	for {
		_, err := r.br.Read(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				r.t.Fatal("server did not close the connection")
			}
			r.conn.Close() // our FIN, which the server waits for
			return
		}
	}
}

// events records hooks for assertions.
type recorder struct {
	mu      sync.Mutex
	data    []string
	pings   []string
	closed  chan struct{}
	code    CloseCode
	reason  string
	errs    []error
	connect chan *Conn
}

func newRecorder() *recorder {
	return &recorder{closed: make(chan struct{}), connect: make(chan *Conn, 16)}
}

func (r *recorder) events() Events {
	return Events{
		OnConnected: func(c *Conn) { r.connect <- c },
		OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			r.mu.Lock()
			r.data = append(r.data, f.String()+":"+string(data)+map[bool]string{true: "|eom", false: ""}[eom]+map[bool]string{true: "|eol", false: ""}[eol])
			r.mu.Unlock()
		},
		OnPing: func(c *Conn, p []byte, resp bool) {
			r.mu.Lock()
			r.pings = append(r.pings, map[bool]string{true: "pong:", false: "ping:"}[resp]+string(p))
			r.mu.Unlock()
		},
		OnError: func(c *Conn, err error) {
			r.mu.Lock()
			r.errs = append(r.errs, err)
			r.mu.Unlock()
		},
		OnDisconnected: func(c *Conn, err error) {
			ce := err.(*CloseError)
			r.mu.Lock()
			r.code, r.reason = ce.Code, ce.Reason
			r.mu.Unlock()
			close(r.closed)
		},
	}
}

func (r *recorder) waitClosed(t *testing.T) (CloseCode, string) {
	t.Helper()
	select {
	case <-r.closed:
	case <-time.After(15 * time.Second):
		t.Fatal("no OnDisconnected")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.code, r.reason
}

func (r *recorder) got() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.data, ",")
}
