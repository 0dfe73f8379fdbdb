package server

import (
	"crypto/tls"

	"github.com/tlskit/tlskit/tlsconf"
)

// SSLInfo is what a connection's TLS handshake negotiated, as package
// tlsconf describes it for every tlskit package: the version and suite as
// numbers and by name (VersionName "TLS1.3", CipherSuiteName
// "TLS_AES_128_GCM_SHA256"), the bulk cipher ("AES_128_GCM") and its
// strength, the key exchange ("ECDHE"), its group ("ecdhe_x25519") and
// strength (253 for x25519, as OpenSSL counts), ALPN, server name,
// resumption and the peer's certificates. Its Get serves the
// SSLNegotiated* Config settings, so Config("SSLNegotiatedCipher[id]") and
// Conn.TLS give the same strings.
type SSLInfo = tlsconf.Info

func negotiated(st *tls.ConnectionState) SSLInfo { return tlsconf.Negotiated(*st) }
