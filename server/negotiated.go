package server

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
)

// SSLInfo is what a connection's TLS handshake negotiated: what
// the SSLNegotiated* Config settings report.
type SSLInfo struct {
	Version             string // "TLS 1.3"
	CipherSuite         string // IANA name, "TLS_AES_128_GCM_SHA256"
	CipherStrength      int    // bits of the bulk cipher key
	KeyExchange         string // "X25519", "X25519MLKEM768", "P-256", "RSA"
	KeyExchangeStrength int    // bits: group size or RSA modulus
	ALPN                string
	ServerName          string
	Resumed             bool
	PeerCertificates    []*x509.Certificate
}

func negotiated(st *tls.ConnectionState) SSLInfo {
	i := SSLInfo{
		Version:     tls.VersionName(st.Version),
		CipherSuite: tls.CipherSuiteName(st.CipherSuite),
		ALPN:        st.NegotiatedProtocol, ServerName: st.ServerName,
		Resumed: st.DidResume, PeerCertificates: st.PeerCertificates,
	}
	i.CipherStrength = cipherBits(i.CipherSuite)
	i.KeyExchange, i.KeyExchangeStrength = keyExchange(st)
	return i
}

func cipherBits(name string) int {
	switch {
	case strings.Contains(name, "AES_128"), strings.Contains(name, "RC4_128"):
		return 128
	case strings.Contains(name, "AES_256"), strings.Contains(name, "CHACHA20"):
		return 256
	case strings.Contains(name, "3DES"):
		return 168
	}
	return 0
}

func keyExchange(st *tls.ConnectionState) (string, int) {
	switch st.CurveID {
	case tls.X25519:
		return "X25519", 253
	case tls.CurveP256:
		return "P-256", 256
	case tls.CurveP384:
		return "P-384", 384
	case tls.CurveP521:
		return "P-521", 521
	case tls.X25519MLKEM768:
		return "X25519MLKEM768", 768
	case tls.SecP256r1MLKEM768:
		return "SecP256r1MLKEM768", 768
	case tls.SecP384r1MLKEM1024:
		return "SecP384r1MLKEM1024", 1024
	case 0:
		// TLS 1.2 RSA key transport: the strength is the server key's.
		return "RSA", 0
	}
	return st.CurveID.String(), 0
}
