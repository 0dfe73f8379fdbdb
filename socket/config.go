package socket

import (
	"crypto/tls"
	"net/http"
	"time"
)

// Default buffer sizes.
const (
	DefaultSendBufferSize    = 64 << 10
	DefaultReceiveBufferSize = 256 << 10
	DefaultLinger            = 10 * time.Second
)

// Format is what the byte-at-a-time and buffer reads accept (ECMA-419
// format). The zero value is FormatBuffer.
type Format int

const (
	// FormatBuffer: reads return byte slices (ReadN, ReadInto).
	FormatBuffer Format = iota
	// FormatNumber: reads return one byte at a time (ReadNumber).
	FormatNumber
)

func (f Format) String() string {
	if f == FormatNumber {
		return "number"
	}
	return "buffer"
}

// Config describes a socket. The zero value is a plain TCP socket with no
// address; set Address and Port before Connect, or Port (0 = the system
// picks) before Listen. A Socket keeps its own copy: changing a Config after
// New has no effect on the socket.
type Config struct {
	// Address is the remote host for Connect: an IPv4 or IPv6 address or a
	// host name. It is kept after Close, as the seed says.
	Address string
	// Port is the remote port for Connect (1-65535) and the port to listen
	// on for Listen (0 = the system picks). After Connect, Socket.Port
	// reports the local port the system bound.
	Port int

	// LocalAddress binds the socket to a local IP address before
	// connecting, and is the address Listen binds (default: all).
	LocalAddress string
	// LocalPort binds the socket to a local port before connecting; 0 lets
	// the system pick.
	LocalPort int
	// NetworkInterface names the interface (as net.InterfaceByName, "lo",
	// "eth0") whose first address of the right family the socket binds to.
	// It conflicts with LocalAddress. Default: the system's choice.
	NetworkInterface string

	// NoDelay disables Nagle's algorithm (TCP_NODELAY). Default false, as
	// ECMA-419 says, which is the opposite of Go's own default.
	NoDelay bool
	// KeepAlive is the TCP keep-alive idle time and probe interval. Zero
	// (the default) disables keep-alive, as ECMA-419 says.
	KeepAlive time.Duration
	// ConnectTimeout bounds Connect (resolution, TCP connect and TLS
	// handshake) and the TLS handshake of an accepted connection. Zero
	// means only the context bounds it.
	ConnectTimeout time.Duration

	// Format selects byte-at-a-time reads (FormatNumber) or buffer reads
	// (FormatBuffer, the default).
	Format Format
	// SendBufferSize bounds the bytes queued for sending and not yet
	// written to the network. Default DefaultSendBufferSize.
	SendBufferSize int
	// ReceiveBufferSize bounds the received bytes not yet read; when it is
	// full the socket stops reading and the peer's TCP window closes.
	// Default DefaultReceiveBufferSize.
	ReceiveBufferSize int

	// Linger is how long Close keeps sending the data still queued, in the
	// background, before the connection is closed; like a TCP close, Close
	// itself does not wait. Zero means DefaultLinger; negative drops queued
	// data at once.
	Linger time.Duration

	// Secure makes Connect, Listen and FromConn use TLS (Xojo Secure).
	Secure bool
	// TLS configures TLS when Secure is set; see TLSOptions.
	TLS TLSOptions

	// Events are the callbacks; nil fields are not called.
	Events Events
	// ManualEvents, when set, delivers events only from Poll, on the
	// goroutine that calls it. By default a goroutine of the socket
	// delivers them as they happen.
	ManualEvents bool
}

// TLSOptions configures the TLS side of a socket. The zero value verifies
// the server against the system roots and the name in Host (or Address).
type TLSOptions struct {
	// Config is a base configuration; it is cloned, never modified. The
	// fields below override the corresponding fields of the clone.
	Config *tls.Config

	// Host is the server name sent in SNI and verified in the
	// certificate (ECMA-419 host). Default: Address.
	Host string
	// ApplicationLayerProtocols is the ALPN list, most preferred first.
	ApplicationLayerProtocols []string
	// MaximumFragmentLength is ECMA-419 maximumFragmentLength. Go's
	// crypto/tls does not implement the extension: any value but 0 makes
	// Connect fail with ErrUnsupported.
	MaximumFragmentLength int

	// CA holds DER certificates (one or several concatenated per element)
	// trusted in addition to the system roots for the server's chain
	// (ECMA-419 ca, the seed's SSLServerCACerts).
	CA [][]byte
	// ClientCertificate is the client's DER certificate chain, leaf first
	// (ECMA-419 clientCertificate); ClientKey its DER private key (PKCS#8,
	// PKCS#1 or SEC 1). Set both or neither.
	ClientCertificate [][]byte
	ClientKey         []byte

	// SessionCache, when ReuseSSLSession is set, is the cache to use; by
	// default each Socket has its own, so a socket that reconnects to the
	// same host resumes its session (the seed's ReuseSSLSession rules).
	SessionCache tls.ClientSessionCache
	// ReuseSSLSession enables TLS session resumption (session tickets).
	ReuseSSLSession bool
	// EnableRenegotiation lets the server renegotiate (the seed's
	// SSLEnableRenegotiation): tls.RenegotiateFreelyAsClient. Default: a
	// renegotiation request fails the connection.
	EnableRenegotiation bool

	// AcceptAnyServerCert disables every check of the server's certificate
	// (the seed's SSLAcceptAnyServerCert). DANGER: anyone on the path can
	// read and change the traffic. Each such handshake logs a warning
	// through the log package.
	AcceptAnyServerCert bool
	// SecurityFlags relaxes individual checks of the server's certificate
	// (the seed's SSLSecurityFlags). DANGER: each flag removes a
	// protection.
	SecurityFlags SecurityFlags
	// CRLCheck and OCSPCheck check the revocation status of the server's
	// certificate and intermediates; see RevocationMode. Default off.
	CRLCheck  RevocationMode
	OCSPCheck RevocationMode
	// HTTPClient fetches CRLs and asks OCSP responders. Default: a client
	// with a 10 second timeout.
	HTTPClient *http.Client
}
