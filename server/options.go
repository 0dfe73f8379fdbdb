package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/epoll"
	"github.com/tlskit/tlskit/internal/framing"
)

// Defaults the zero value of an Options field stands for.
const (
	DefaultMaxConnections = 1000                         // MaxConnections
	DefaultMaxLineLength  = framing.DefaultMaxLineLength // DefaultMaxLineLength (2048)
	MinMaxLineLength      = framing.MinMaxLineLength     // smallest DefaultMaxLineLength
	DefaultOutBufferSize  = 64 << 10                     // send queue bound per connection
	DefaultInBufferSize   = 64 << 10                     // received bytes held per connection before reading pauses
	DefaultLingerTime     = 10 * time.Second             // graceful-close limit
)

// Family is the address family a server listens on (Options.UseIPv6,
// Config("UseIPv6=N") with the same numbers).
type Family int

const (
	IPv4Only  Family = 0 // IPv4 only
	IPv6Only  Family = 1 // IPv6 only (IPV6_V6ONLY)
	DualStack Family = 2 // one IPv6 socket that also accepts IPv4
)

// Engine names the I/O engine of Options.Engine.
type Engine string

const (
	EngineAuto     Engine = "auto"     // epoll on Linux, portable elsewhere (also "")
	EnginePortable Engine = "portable" // a goroutine per connection, every OS
	EngineEpoll    Engine = "epoll"    // Linux: one event loop per CPU
)

// Options configure a Server. The zero value is a plain TCP server on an
// OS-chosen IPv4 port. Every field notes its default and, where it matters,
// its danger; a zero duration means "no limit" or "OS default" as the field
// says, and negative durations are rejected.
type Options struct {
	// LocalHost is the address to listen on. Default "": every interface.
	LocalHost string
	// LocalPort is the TCP port. Default 0: the OS picks one, which Addr
	// and LocalPort then report.
	LocalPort int
	// UseIPv6 selects the address family (default IPv4Only).
	UseIPv6 Family
	// ConnectionBacklog is the listen queue length. Default 0: the OS
	// maximum (SOMAXCONN), as net.Listen uses; a short queue drops the
	// SYNs of a burst of connections (each then waits a second or more).
	ConnectionBacklog int
	// SharePort lets other sockets bind the same port (SO_REUSEPORT).
	// Default false: the port is exclusive.
	SharePort bool
	// MaxConnections limits simultaneous connections, handshakes
	// included. When it is reached, a new connection replaces the one that
	// has been in its handshake longest (TLS, or the protocol's own with
	// UpgradeHandshake) if that one has been for a second or more since
	// its accept: clients that stall or drip their handshakes cannot keep
	// an honest one out. Otherwise the new connection is refused at once,
	// before ConnectionRequest (see BusyResponse). Default 1000; there is
	// no upper cap; -1 means no limit (the file descriptor limit still
	// applies).
	MaxConnections int
	// MaxConnectionsPerAddress limits simultaneous connections from one
	// client address (for IPv6, one /64 prefix), counted from the accept
	// to the close, handshakes included; connections beyond it are
	// refused at once, before the TLS handshake and ConnectionRequest, so
	// that one host cannot take every MaxConnections slot. Default 0: no
	// limit, because behind a proxy or a NAT many clients share an
	// address; tlskit serve uses 100. It may be changed while listening.
	MaxConnectionsPerAddress int
	// UpgradeHandshake keeps a connection in its handshake after
	// OnConnected until Conn.EndHandshake, for a protocol that opens with
	// a handshake of its own, such as a WebSocket upgrade (ws.Server sets
	// it): until then a full server may replace it (see MaxConnections).
	// Default false: the handshake is TLS's, if any.
	UpgradeHandshake bool
	// BusyResponse, if set, is written to a connection refused for
	// MaxConnections or MaxConnectionsPerAddress before it is closed, for
	// example an HTTP 503 with Retry-After (ws.Server sets that one): it
	// is sent at once, without waiting for the request, and the
	// connection closes gracefully within a second. At most 64 refused
	// connections are answered at a time; the others, and every refused
	// connection of a TLS server (an answer would need a TLS handshake
	// for each refused client, the work a flood should not get), are
	// reset. Default nil: refused connections are reset.
	BusyResponse []byte

	// DefaultEOL is the line terminator given to new connections; empty
	// (default) delivers data as it arrives. It may be several bytes long
	// and contain NUL.
	DefaultEOL []byte
	// DefaultSingleLineMode makes new connections split lines at CR, LF
	// or CRLF, ignoring EOL. Default false.
	DefaultSingleLineMode bool
	// DefaultMaxLineLength is the longest line delivered with eol=true;
	// longer lines arrive in pieces with eol=false. Default 2048, minimum 256.
	DefaultMaxLineLength int
	// DefaultIdleTimeout disconnects a connection that has neither sent nor
	// received a byte for this long. Default 0: never.
	DefaultIdleTimeout time.Duration
	// DefaultTimeout is the Timeout of new connections: when positive,
	// Send blocks up to this long (an inactivity limit) instead of
	// returning ErrWouldBlock. Default 0: sends never block.
	DefaultTimeout time.Duration
	// StallTimeout resets a connection whose send queue holds data that
	// has not moved for this long: a client that does not read its
	// answers. It is checked by a timer while data is queued, so it holds
	// even when no further Send comes (a blocking Send's Timeout only acts
	// while that Send waits). OnDisconnected reports ErrTimedOut. Default 0: no
	// limit. Danger: without it, a client that stops reading keeps its
	// connection and its queued data for as long as it stays connected.
	StallTimeout time.Duration
	// DefaultConnectionTimeout bounds the whole TLS handshake: one that
	// has not ended this long after the connection was accepted fails with
	// ErrTimedOut, however steadily the client sends, so a
	// ClientHello dripped a byte at a time cannot hold a connection.
	// Default 0: none. Danger: without it, a client that stalls or drips
	// its handshake holds its connection (and a MaxConnections slot) until
	// the idle timeout, if any.
	DefaultConnectionTimeout time.Duration

	// KeepAlive enables TCP keep-alive probes. Default false.
	KeepAlive bool
	// KeepAliveTime is the idle time before the first probe; 0 = OS default.
	KeepAliveTime time.Duration
	// KeepAliveInterval is the time between unanswered probes; 0 = OS default.
	KeepAliveInterval time.Duration
	// NoLinger makes Disconnect and Shutdown reset connections at once,
	// dropping queued data. Default false: closes
	// are graceful and queued data is flushed first.
	NoLinger bool
	// LingerTime bounds a graceful close: data still queued after it is
	// dropped and the connection reset. Default 10 seconds.
	LingerTime time.Duration
	// Nagle keeps Nagle's algorithm on for accepted connections. Default
	// false: TCP_NODELAY is set, as the net package does, since with Nagle
	// a reply's last segment can wait for the peer's delayed ACK (40 ms on
	// Linux). Config("TcpNoDelay=false") sets it.
	Nagle bool
	// InBufferSize is the socket receive buffer (SO_RCVBUF) and the number
	// of received bytes held for a connection whose events lag behind
	// before reading pauses. Default 0: OS buffer, 64 KiB held.
	InBufferSize int
	// OutBufferSize bounds each connection's send queue in bytes; a Send
	// that does not fit returns ErrWouldBlock with the count accepted.
	// When set, it is also the socket send buffer (SO_SNDBUF), as
	// InBufferSize is the receive buffer. Default 0: a 64 KiB queue
	// (DefaultOutBufferSize) and the OS buffer, which Linux sizes to the
	// connection's traffic.
	OutBufferSize int

	// AllowedClients and BlockedClients are comma-separated lists of
	// addresses with '*' wildcards or CIDR prefixes. A client that does not
	// pass them reaches OnConnectionRequest with Accept=false. Default ""
	// for both: everyone.
	AllowedClients string
	BlockedClients string

	// ProxyProtocol makes the server read the PROXY protocol header
	// (versions 1 and 2, HAProxy's send-proxy and send-proxy-v2) that a
	// load balancer in ProxyFrom sends before its client's bytes, so that
	// RemoteAddr, the access lists, MaxConnectionsPerAddress, the logs and
	// the Observer see the client rather than the balancer (see
	// Conn.ProxyHeader). The header is read before the TLS handshake and
	// OnConnectionRequest; a malformed one, none (unless ProxyOptional),
	// or one not whole within DefaultConnectionTimeout of the accept (10
	// seconds when that is 0) resets the connection, as does a header from
	// a peer not in ProxyFrom; each is logged as "connection refused".
	// Peers not in ProxyFrom are otherwise served as without it. Default
	// false. Read by StartListening.
	ProxyProtocol bool
	// ProxyFrom are the load balancers trusted to send a PROXY header.
	// Default nil: loopback only (127.0.0.0/8 and ::1).
	ProxyFrom []netip.Prefix
	// ProxyOptional serves a connection from ProxyFrom that sends no
	// header, with the balancer's address. Default false: required.
	ProxyOptional bool

	// TLSConfig makes the server a TLS server; nil (default) means plain
	// TCP. It must hold a certificate (Certificates, GetCertificate or
	// GetConfigForClient). The server does not modify it; per connection
	// it uses a clone when TLS hooks are set. Client certificates are
	// verified against exactly its ClientCAs: a nil ClientCAs trusts no CA
	// (where crypto/tls alone would trust the system's roots).
	TLSConfig *tls.Config
	// SSLAuthenticateClients asks clients for a certificate. Default
	// false. When TLSConfig.ClientAuth is
	// NoClientCert it is raised to RequireAndVerifyClientCert (verified
	// against TLSConfig.ClientCAs). OnSSLClientAuthentication can overrule
	// the verification either way.
	SSLAuthenticateClients bool

	// CodePage is the Windows code page of SendText and DecodeText.
	// Default 0: UTF-8 (65001). UTF-16 (1200, 1201), UTF-32 (12000,
	// 12001) and ISO 8859-1 (28591) are built in; the Windows, ISO 8859,
	// OEM, Mac and CJK code pages need package server/codepage imported
	// (see RegisterCodePage).
	CodePage int

	// Engine chooses the I/O engine: EngineEpoll (Linux only: one event
	// loop per CPU, no goroutine and no read buffer per idle connection),
	// EnginePortable (a goroutine per connection, every OS), or "" /
	// EngineAuto (default): epoll on Linux, portable elsewhere. Other
	// names, and EngineEpoll off Linux, are an error.
	Engine Engine

	// ManualEvents queues events until the application calls DoEvents on
	// a goroutine of its own. Default false: events are delivered on the
	// server's goroutines.
	ManualEvents bool

	// Events. Nil means the default behaviour noted on each.
	Events Events

	// Observer, if set, is told what the server does (connections,
	// handshakes, bytes), for metrics: see package metrics. Default nil.
	Observer Observer

	// Logger, if set (default nil: no records), gets slog records of
	// connections refused (Info), opened and closed (Debug), failed TLS
	// handshakes (Info, "handshake failed": ErrHandshake,
	// ErrCertificateRejected, ErrClientCertNotPresent), other connection
	// errors (Warn) and accept errors (Error), with the connection's id and
	// address, as well as the Events. What a peer sent is escaped and cut,
	// and records at Info and above are limited to bursts of 100 and 10 a
	// second: the others are dropped, counted once a second in a Warn
	// "log records suppressed" record (and told to a LogObserver).
	Logger *slog.Logger

	// LogTLSRecords reports every TLS record of the connections accepted
	// afterwards, for debugging (default false): OnSSLStatus is told
	// "TLS record in: handshake, 512 bytes" (in: from the client, out: to
	// it; the record's outer content type, which after a TLS 1.3
	// ServerHello is application_data whatever the record carries), and
	// the Logger gets a Debug "TLS record" with a hex dump of the record's
	// body, except that with MaskSensitiveData (Config, true by default)
	// the bodies of application_data records are not dumped.
	// Config("LogSSLPackets=true") sets it.
	LogTLSRecords bool
}

// defaulted returns o with zero fields replaced by their defaults, or an
// error naming the first invalid field.
func (o Options) defaulted() (Options, error) {
	bad := func(field string, v any, why string) (Options, error) {
		return o, fmt.Errorf("%w: Options.%s = %v: %s", ErrInvalidValue, field, v, why)
	}
	if o.LocalPort < 0 || o.LocalPort > 65535 {
		return bad("LocalPort", o.LocalPort, "must be 0-65535")
	}
	if o.UseIPv6 < 0 || o.UseIPv6 > 2 {
		return bad("UseIPv6", o.UseIPv6, "must be 0 (IPv4), 1 (IPv6) or 2 (both)")
	}
	if o.ConnectionBacklog < 0 {
		return bad("ConnectionBacklog", o.ConnectionBacklog, "must not be negative")
	}
	if o.MaxConnections < -1 {
		return bad("MaxConnections", o.MaxConnections, "must be positive, 0 (default 1000) or -1 (no limit)")
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxConnectionsPerAddress < 0 {
		return bad("MaxConnectionsPerAddress", o.MaxConnectionsPerAddress, "must not be negative (0: no limit)")
	}
	if o.DefaultMaxLineLength == 0 {
		o.DefaultMaxLineLength = DefaultMaxLineLength
	}
	if o.DefaultMaxLineLength < MinMaxLineLength || o.DefaultMaxLineLength > framing.LengthLimit {
		return bad("DefaultMaxLineLength", o.DefaultMaxLineLength, "must be at least 256")
	}
	for name, d := range map[string]time.Duration{
		"DefaultIdleTimeout": o.DefaultIdleTimeout, "DefaultTimeout": o.DefaultTimeout,
		"DefaultConnectionTimeout": o.DefaultConnectionTimeout, "KeepAliveTime": o.KeepAliveTime,
		"KeepAliveInterval": o.KeepAliveInterval, "LingerTime": o.LingerTime,
		"StallTimeout": o.StallTimeout,
	} {
		if d < 0 {
			return bad(name, d, "must not be negative")
		}
	}
	if o.LingerTime == 0 {
		o.LingerTime = DefaultLingerTime
	}
	if o.InBufferSize < 0 {
		return bad("InBufferSize", o.InBufferSize, "must not be negative")
	}
	if o.OutBufferSize < 0 {
		return bad("OutBufferSize", o.OutBufferSize, "must not be negative")
	}
	if _, err := access.Parse(o.AllowedClients); err != nil {
		return bad("AllowedClients", o.AllowedClients, err.Error())
	}
	if _, err := access.Parse(o.BlockedClients); err != nil {
		return bad("BlockedClients", o.BlockedClients, err.Error())
	}
	if err := o.checkProxy(); err != nil {
		return o, err
	}
	if o.TLSConfig != nil && len(o.TLSConfig.Certificates) == 0 && o.TLSConfig.GetCertificate == nil &&
		o.TLSConfig.GetConfigForClient == nil && o.Events.OnSSLConnectionRequest == nil {
		return bad("TLSConfig", "(no certificate)", "a TLS server needs Certificates, GetCertificate or GetConfigForClient, or an OnSSLConnectionRequest hook that picks one")
	}
	o.TLSConfig = noSystemClientRoots(o.TLSConfig, o.SSLAuthenticateClients)
	if o.CodePage == 0 {
		o.CodePage = 65001
	}
	if _, err := codePage(o.CodePage); err != nil {
		return bad("CodePage", o.CodePage, err.Error())
	}
	switch o.Engine {
	case "", EngineAuto, EnginePortable:
	case EngineEpoll:
		if !epoll.Supported {
			return bad("Engine", o.Engine, `the epoll engine needs Linux; use "portable" or "auto"`)
		}
	default:
		return bad("Engine", o.Engine, `must be "auto", "portable" or "epoll"`)
	}
	return o, nil
}

// socketOptions are the options of the accepted sockets.
func (o *Options) socketOptions() engine.SocketOptions {
	return engine.SocketOptions{
		KeepAlive: o.KeepAlive, KeepAliveIdle: o.KeepAliveTime, KeepAliveInterval: o.KeepAliveInterval,
		NoDelay: !o.Nagle, ReceiveBuffer: o.InBufferSize, SendBuffer: o.OutBufferSize,
	}
}

// policy parses the access lists (already validated).
func (o *Options) policy() access.Policy {
	a, _ := access.Parse(o.AllowedClients)
	b, _ := access.Parse(o.BlockedClients)
	return access.Policy{Allowed: a, Blocked: b}
}
