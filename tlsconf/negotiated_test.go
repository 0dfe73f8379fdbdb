package tlsconf

import (
	"crypto/tls"
	"errors"
	"testing"
)

func TestNegotiatedHandshake(t *testing.T) {
	t.Parallel()
	sc, cc := mustConfigs(t, &Settings{TLS13Groups: []tls.CurveID{tls.X25519MLKEM768}, NextProtos: []string{"chat"}},
		&Settings{NextProtos: []string{"chat"}}, pki(t).ecLeaf)
	r := handshake(t, sc, cc)
	if r.clientErr != nil || r.serverErr != nil {
		t.Fatalf("client %v, server %v", r.clientErr, r.serverErr)
	}
	info := Negotiated(r.client)
	if info.Version != tls.VersionTLS13 || info.VersionName != "TLS1.3" || info.KeyExchange != "ECDHE-MLKEM" ||
		info.GroupName != "X25519MLKEM768" || info.KeyExchangeStrength != 253 || info.ALPN != "chat" ||
		info.ServerName != "localhost" || len(info.PeerCertificates) != 2 || info.CipherStrength < 128 ||
		info.CipherSuiteName != tls.CipherSuiteName(r.client.CipherSuite) {
		t.Fatalf("Info = %+v", info)
	}
}

func TestNegotiatedFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cs   tls.ConnectionState
		want map[string]string
	}{
		{"TLS 1.2 ECDHE P-384", tls.ConnectionState{Version: tls.VersionTLS12, CipherSuite: tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CurveID: tls.CurveP384, NegotiatedProtocol: "h2", ServerName: "a.example", DidResume: true},
			map[string]string{"SSLNegotiatedVersion": "TLS1.2", "SSLNegotiatedCipher": "AES_256_GCM", "SSLNegotiatedCipherStrength": "256",
				"SSLNegotiatedCipherSuite": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "SSLNegotiatedKeyExchange": "ECDHE",
				"SSLNegotiatedKeyExchangeStrength": "384", "sslnegotiatedgroup": "ecdhe_secp384r1", "SSLNegotiatedALPN": "h2",
				"SSLNegotiatedServerName": "a.example", "SSLSessionReused": "True"}},
		{"TLS 1.0 RSA key transport", tls.ConnectionState{Version: tls.VersionTLS10, CipherSuite: tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
			map[string]string{"SSLNegotiatedVersion": "TLS1", "SSLNegotiatedCipher": "3DES_EDE_CBC", "SSLNegotiatedCipherStrength": "112",
				"SSLNegotiatedKeyExchange": "RSA", "SSLNegotiatedKeyExchangeStrength": "0", "SSLNegotiatedGroup": "", "SSLSessionReused": "False"}},
		{"TLS 1.3 x25519", tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_CHACHA20_POLY1305_SHA256, CurveID: tls.X25519},
			map[string]string{"SSLNegotiatedCipher": "CHACHA20_POLY1305", "SSLNegotiatedKeyExchange": "ECDHE", "SSLNegotiatedKeyExchangeStrength": "253"}},
		{"TLS 1.3 SecP384r1MLKEM1024", tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256, CurveID: tls.SecP384r1MLKEM1024},
			map[string]string{"SSLNegotiatedKeyExchange": "ECDHE-MLKEM", "SSLNegotiatedKeyExchangeStrength": "384", "SSLNegotiatedGroup": "SecP384r1MLKEM1024"}},
		{"no handshake", tls.ConnectionState{},
			map[string]string{"SSLNegotiatedKeyExchange": "", "SSLNegotiatedCipher": "", "SSLNegotiatedCipherStrength": "0"}},
	}
	for _, tt := range tests {
		info := Negotiated(tt.cs)
		for name, want := range tt.want {
			got, err := info.Get(name)
			if err != nil || got != want {
				t.Errorf("%s: Get(%s) = %q, %v; want %q", tt.name, name, got, err, want)
			}
		}
	}
	if _, err := (Info{}).Get("SSLEnabledProtocols"); !errors.Is(err, ErrUnknownSetting) {
		t.Fatalf("unknown name: %v", err)
	}
}
