package socket

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/tlskit/tlskit/tlsconf"
)

// Defaults of Config fields.
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
	// host name. Default "": none. It is kept after Close, as in Xojo.
	Address string
	// Port is the remote port for Connect (1-65535) and the port to listen
	// on for Listen (0 = the system picks). After Connect, Socket.Port
	// reports the local port the system bound.
	Port int

	// LocalAddress binds the socket to a local IP address before
	// connecting, and is the address Listen binds (default: all).
	LocalAddress string
	// LocalPort binds the socket to a local port before connecting.
	// Default 0: the system picks.
	LocalPort int
	// NetworkInterface names the interface (as net.InterfaceByName, "lo",
	// "eth0") whose first address of the right family the socket binds to.
	// It conflicts with LocalAddress. Default: the system's choice.
	NetworkInterface string

	// Nagle keeps Nagle's algorithm on. Default false: TCP_NODELAY is set,
	// as Go's net package does. ECMA-419's noDelay defaults to false, that
	// is Nagle on: set Nagle for that.
	Nagle bool
	// KeepAlive is the TCP keep-alive idle time and probe interval. Zero
	// (the default) disables keep-alive, as ECMA-419 says.
	KeepAlive time.Duration
	// ConnectTimeout bounds Connect (resolution, TCP connect and TLS
	// handshake) and the TLS handshake of an accepted connection. Default
	// 0: only the context bounds it.
	ConnectTimeout time.Duration

	// Format selects byte-at-a-time reads (FormatNumber) or buffer reads
	// (FormatBuffer, the default).
	Format Format
	// SendBufferSize bounds the bytes queued for sending and not yet
	// written to the network. Default 64 KiB (DefaultSendBufferSize).
	SendBufferSize int
	// ReceiveBufferSize bounds the received bytes not yet read; when it is
	// full the socket stops reading and the peer's TCP window closes.
	// Default 256 KiB (DefaultReceiveBufferSize).
	ReceiveBufferSize int

	// Linger is how long Close keeps sending the data still queued, in the
	// background, before the connection is closed; like a TCP close, Close
	// itself does not wait. Default 0: 10 seconds (DefaultLinger); negative
	// drops queued data at once.
	Linger time.Duration

	// Secure makes Connect, Listen and FromConn use TLS (Xojo Secure).
	// Default false: plain TCP.
	Secure bool
	// TLS configures TLS when Secure is set; see TLSOptions for its
	// defaults.
	TLS TLSOptions

	// Events are the callbacks; nil fields are not called.
	Events Events
	// ManualEvents, when set, delivers events only from Poll, on the
	// goroutine that calls it. By default a goroutine of the socket
	// delivers them as they happen.
	ManualEvents bool
}

// TLSOptions configures the TLS side of a socket. The zero value verifies
// the server against the system roots and the name in
// Settings.ServerName (default: Address), over TLS 1.2 or 1.3.
type TLSOptions struct {
	// Settings are the TLS settings by IPWorks's names, applied by the
	// tlsconf package: Protocols (SSLEnabledProtocols), cipher suites, groups,
	// signature-algorithm allow lists, NextProtos (the ALPN list, ECMA-419
	// applicationLayerProtocol), ServerName (the SNI and verified name,
	// ECMA-419 host; default Address), ServerCAs (SSLServerCACerts),
	// AcceptAnyServerCert (DANGER: no verification at all; the first such
	// handshake to each server name logs a warning through the log
	// package), ReuseSession (ReuseSSLSession: without a SessionCache the
	// socket keeps its own cache, so a socket that reconnects to the same
	// host resumes), Renegotiation (SSLEnableRenegotiation) and the key
	// log.
	Settings tlsconf.Settings
	// Config, when set, is used (cloned) instead of Settings, which must
	// then be zero; the fields below still apply.
	Config *tls.Config

	// MinimumVersion and MaximumVersion are ECMA-419 version strings
	// ("TLS1.2", "tls1.3", "1.2"; see tlsconf.ParseVersion). An unset one
	// defaults to TLS 1.2 (or MaximumVersion if lower) and TLS 1.3. They
	// replace Settings.Protocols.
	MinimumVersion string
	MaximumVersion string
	// ConnectionType is Xojo's ConnectionType (tlsconf.SSLv23, TLSv1,
	// TLSv11, TLSv12, TLSv13); it replaces Settings.Protocols. The zero
	// value, SSLv2, which crypto/tls cannot speak, means "not set". It
	// conflicts with MinimumVersion and MaximumVersion.
	ConnectionType tlsconf.ConnectionType
	// MaximumFragmentLength is ECMA-419 maximumFragmentLength. Go's
	// crypto/tls does not implement the extension: any value but 0 makes
	// Connect fail with ErrUnsupported.
	MaximumFragmentLength int

	// CA holds DER certificates (one or several concatenated per element)
	// trusted in addition to the system roots and Settings.ServerCAs for
	// the server's chain (ECMA-419 ca).
	CA [][]byte
	// ClientCertificate is the client's DER certificate chain, leaf first
	// (ECMA-419 clientCertificate); ClientKey its DER private key (PKCS#8,
	// PKCS#1 or SEC 1). Set both or neither.
	ClientCertificate [][]byte
	ClientKey         []byte

	// CertificateFile is the certificate and private key, in any format
	// the certs package reads (PEM, DER, PFX/PKCS#12, JKS, P7B, JWK), opened
	// with CertificatePassword (Xojo CertificateFile and
	// CertificatePassword). Listen requires it (or Config.Certificates) with
	// Secure: it is the server's certificate. Connect presents it as the
	// client certificate when the server asks for one.
	CertificateFile     string
	CertificatePassword string
	// CertificateRejectionFile lists certificates, in any format the certs
	// package reads, that are refused when the peer presents one of them
	// as its own (Xojo CertificateRejectionFile). When listening, it makes
	// the socket ask the client for a certificate.
	CertificateRejectionFile string

	// SecurityFlags relaxes individual checks of the server's certificate
	// (IPWorks's SSLSecurityFlags). DANGER: each flag removes a
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
