package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// msgConn is one load connection carrying whole messages.
type msgConn interface {
	// WriteMsg sends one message. It is called from one goroutine at a time.
	WriteMsg(p []byte) error
	// ReadMsg returns the next message, read into buf when it fits; the
	// result is valid until the next ReadMsg. For byte streams a message
	// is exactly len(buf) bytes.
	ReadMsg(buf []byte) ([]byte, error)
	SetReadDeadline(t time.Time) error
	// Close closes at once; it may be called while a read or write is
	// blocked, to break it.
	Close() error
	// Shutdown closes as the protocol asks, waiting at most timeout for
	// the peer; it is called only when nothing else uses the connection.
	Shutdown(timeout time.Duration) error
	// Deflated reports whether permessage-deflate was negotiated.
	Deflated() bool
}

// Conn is a connection opened by Dialer.Dial.
type Conn interface {
	Close() error
	// Deflated reports whether permessage-deflate was negotiated
	// (Options.Deflate offered it and the server accepted).
	Deflated() bool
}

// target is a parsed bench URL.
type target struct {
	scheme string // "tcp", "tls", "ws" or "wss"
	addr   string // host:port to dial
	host   string // host name for SNI and the Host header
	uri    string // WebSocket request-target
}

func parseTarget(raw string) (target, error) {
	if raw == "" {
		return target{}, ErrNoTarget
	}
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, &OptionError{Option: "url", Msg: err.Error()}
	}
	t := target{scheme: u.Scheme, host: u.Hostname(), uri: u.RequestURI()}
	port := u.Port()
	switch u.Scheme {
	case "tcp", "tls":
		if port == "" {
			return target{}, &OptionError{Option: "url", Msg: fmt.Sprintf("%q needs a port, e.g. %s://127.0.0.1:9000", raw, u.Scheme)}
		}
		if u.Path != "" && u.Path != "/" {
			return target{}, &OptionError{Option: "url", Msg: fmt.Sprintf("%q: a %s URL has no path", raw, u.Scheme)}
		}
	case "ws":
		port = cmpOr(port, "80")
	case "wss":
		port = cmpOr(port, "443")
	default:
		return target{}, &OptionError{Option: "url", Msg: fmt.Sprintf("scheme %q is not supported; use tcp://, tls://, ws:// or wss://", u.Scheme)}
	}
	if t.host == "" {
		return target{}, &OptionError{Option: "url", Msg: fmt.Sprintf("%q has no host", raw)}
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return target{}, &OptionError{Option: "url", Msg: fmt.Sprintf("bad port %q", port)}
	}
	t.addr = net.JoinHostPort(t.host, port)
	return t, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// kindError carries the kind of a dial or handshake failure.
type kindError struct {
	kind ErrorKind
	err  error
}

func (e *kindError) Error() string { return e.kind.String() + ": " + e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// Dialer opens the connections of a run: TCP, then TLS and the WebSocket
// upgrade as the URL's scheme asks. It is safe for concurrent use.
type Dialer struct {
	t       target
	tls     *tls.Config
	timeout time.Duration
	deflate bool
	sources []net.IP // local addresses used in turn; nil: the OS chooses
	next    atomic.Uint64
}

// NewDialer validates the URL, TLS and source address options of o.
func NewDialer(o Options) (*Dialer, error) {
	o.setDefaults()
	t, err := parseTarget(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Deflate && t.scheme != "ws" && t.scheme != "wss" {
		return nil, &OptionError{Option: "deflate", Msg: "permessage-deflate is a WebSocket extension: it needs a ws:// or wss:// URL"}
	}
	d := &Dialer{t: t, timeout: o.Timeout, deflate: o.Deflate}
	if t.scheme == "tls" || t.scheme == "wss" {
		cfg := o.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
			cfg.ServerName = t.host
		}
		if t.scheme == "wss" && len(cfg.NextProtos) == 0 {
			cfg.NextProtos = []string{"http/1.1"}
		}
		d.tls = cfg
	}
	if o.SourceIPs > 1 {
		ip := net.ParseIP(t.host)
		if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
			return nil, &OptionError{Option: "source-ips", Msg: "spreading over 127.0.0.x needs an IPv4 loopback target such as 127.0.0.1"}
		}
		if o.SourceIPs > 254 {
			return nil, &OptionError{Option: "source-ips", Msg: "at most 254 (127.0.0.1 .. 127.0.0.254)"}
		}
		for i := 1; i <= o.SourceIPs; i++ {
			d.sources = append(d.sources, net.IPv4(127, 0, 0, byte(i)))
		}
	}
	return d, nil
}

// Dial opens one connection and completes its handshakes. The result is
// only good for closing and asking whether deflate was negotiated: the
// rest of its API is the run's own.
func (d *Dialer) Dial(ctx context.Context) (Conn, error) {
	return d.dial(ctx)
}

func (d *Dialer) dial(ctx context.Context) (msgConn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	nd := net.Dialer{}
	if len(d.sources) > 0 {
		nd.LocalAddr = &net.TCPAddr{IP: d.sources[d.next.Add(1)%uint64(len(d.sources))]}
	}
	c, err := nd.DialContext(ctx, "tcp", d.t.addr)
	if err != nil {
		return nil, &kindError{KindDial, err}
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	if d.tls != nil {
		tc := tls.Client(c, d.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, &kindError{KindHandshake, err}
		}
		c = tc
	}
	if d.t.scheme == "ws" || d.t.scheme == "wss" {
		wc, err := wsHandshake(ctx, c, d.t, d.deflate)
		if err != nil {
			c.Close()
			return nil, &kindError{KindHandshake, err}
		}
		return wc, nil
	}
	return &streamConn{Conn: c, r: bufio.NewReaderSize(c, 4096)}, nil
}

// streamConn carries fixed-size messages over a byte stream (tcp, tls).
type streamConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *streamConn) WriteMsg(p []byte) error {
	_, err := c.Conn.Write(p)
	return err
}

// Deflated is false: a byte stream has no extensions.
func (c *streamConn) Deflated() bool { return false }

// Shutdown closes the stream; for TLS, Close sends close_notify first.
func (c *streamConn) Shutdown(time.Duration) error { return c.Close() }

func (c *streamConn) ReadMsg(buf []byte) ([]byte, error) {
	n, err := io.ReadFull(c.r, buf)
	return buf[:n], err
}
