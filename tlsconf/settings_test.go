package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
)

func TestHandshakeProtocols(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		server, cli  Protocols
		wantVersion  uint16
		wantHandshak bool
	}{
		{name: "default both", wantVersion: tls.VersionTLS13, wantHandshak: true},
		{name: "TLS1.0 only", server: TLS10, cli: TLS10, wantVersion: tls.VersionTLS10, wantHandshak: true},
		{name: "TLS1.1 only", server: TLS11, cli: TLS11, wantVersion: tls.VersionTLS11, wantHandshak: true},
		{name: "TLS1.2 only", server: TLS12, cli: TLS12, wantVersion: tls.VersionTLS12, wantHandshak: true},
		{name: "TLS1.3 only", server: TLS13, cli: TLS13, wantVersion: tls.VersionTLS13, wantHandshak: true},
		{name: "TLS1.0-1.2 server, default client", server: TLS10 | TLS11 | TLS12, wantVersion: tls.VersionTLS12, wantHandshak: true},
		{name: "range TLS1.0-1.3 both", server: TLS10 | TLS11 | TLS12 | TLS13, cli: TLS10 | TLS11 | TLS12 | TLS13, wantVersion: tls.VersionTLS13, wantHandshak: true},
		{name: "TLS1.1 client refused by default server", cli: TLS11},
		{name: "TLS1.0 client refused by default server", cli: TLS10},
		{name: "TLS1.3 client vs TLS1.2 server", server: TLS12, cli: TLS13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, cc := mustConfigs(t, &Settings{Protocols: tt.server}, &Settings{Protocols: tt.cli}, pki(t).ecLeaf)
			r := handshake(t, sc, cc)
			if !tt.wantHandshak {
				if r.clientErr == nil || r.serverErr == nil {
					t.Fatalf("handshake succeeded with version %s, want failure", VersionName(r.client.Version))
				}
				return
			}
			if r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
			}
			if r.client.Version != tt.wantVersion || r.server.Version != tt.wantVersion {
				t.Fatalf("negotiated %s/%s, want %s", VersionName(r.client.Version), VersionName(r.server.Version), VersionName(tt.wantVersion))
			}
		})
	}
}

func TestHandshakeGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		group   tls.CurveID
		version Protocols
	}{
		{tls.X25519, TLS13}, {tls.CurveP256, TLS13}, {tls.CurveP384, TLS13}, {tls.CurveP521, TLS13},
		{tls.X25519MLKEM768, TLS13}, {tls.SecP256r1MLKEM768, TLS13}, {tls.SecP384r1MLKEM1024, TLS13},
		{tls.X25519, TLS12}, {tls.CurveP256, TLS12}, {tls.CurveP384, TLS12}, {tls.CurveP521, TLS12},
	}
	for _, tt := range tests {
		t.Run(GroupName(tt.group)+"/"+tt.version.String(), func(t *testing.T) {
			t.Parallel()
			s := &Settings{Protocols: tt.version}
			if tt.version == TLS13 {
				s.TLS13Groups = []tls.CurveID{tt.group}
			} else {
				s.TLS12Groups = []tls.CurveID{tt.group}
			}
			c := *s
			sc, cc := mustConfigs(t, s, &c, pki(t).ecLeaf)
			r := handshake(t, sc, cc)
			if r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
			}
			if r.client.CurveID != tt.group || r.server.CurveID != tt.group {
				t.Fatalf("negotiated %v/%v, want %v", r.client.CurveID, r.server.CurveID, tt.group)
			}
			info := Negotiated(r.client)
			if info.GroupName != GroupName(tt.group) || info.KeyExchangeStrength == 0 {
				t.Fatalf("Info = %+v", info)
			}
		})
	}
}

// The per-version group sets are enforced after negotiation: crypto/tls
// offers the union, and a group outside the negotiated version's set
// aborts the handshake with code 276.
func TestHandshakeGroupPerVersion(t *testing.T) {
	t.Parallel()
	server := &Settings{
		TLS12Groups: []tls.CurveID{tls.CurveP384},
		TLS13Groups: []tls.CurveID{tls.X25519},
	}
	t.Run("TLS1.2 peer picks the TLS 1.3-only group", func(t *testing.T) {
		t.Parallel()
		srv := *server
		sc, cc := mustConfigs(t, &srv, &Settings{Protocols: TLS12, TLS12Groups: []tls.CurveID{tls.X25519, tls.CurveP384}}, pki(t).ecLeaf)
		r := handshake(t, sc, cc)
		if r.serverErr == nil {
			t.Fatalf("server accepted %v under TLS 1.2", r.server.CurveID)
		}
		var e *Error
		if !errors.Is(r.serverErr, ErrGroupRejected) || !errors.As(r.serverErr, &e) || ipworksCode(e) != 276 {
			t.Fatalf("server error = %v, want ErrGroupRejected code 276", r.serverErr)
		}
	})
	t.Run("TLS1.2 peer offering only the TLS 1.2 group", func(t *testing.T) {
		t.Parallel()
		srv := *server
		sc, cc := mustConfigs(t, &srv, &Settings{Protocols: TLS12, TLS12Groups: []tls.CurveID{tls.CurveP384}}, pki(t).ecLeaf)
		r := handshake(t, sc, cc)
		if r.serverErr != nil || r.server.CurveID != tls.CurveP384 {
			t.Fatalf("server: %v, group %v", r.serverErr, r.server.CurveID)
		}
	})
	t.Run("TLS1.3 uses the TLS 1.3 group", func(t *testing.T) {
		t.Parallel()
		srv := *server
		sc, cc := mustConfigs(t, &srv, &Settings{}, pki(t).ecLeaf)
		r := handshake(t, sc, cc)
		if r.serverErr != nil || r.server.CurveID != tls.X25519 {
			t.Fatalf("server: %v, group %v", r.serverErr, r.server.CurveID)
		}
	})
}

func TestHandshakeCipherSuites(t *testing.T) {
	t.Parallel()
	p := pki(t)
	tests := []struct {
		name      string
		server    Settings
		client    Settings
		cert      tls.Certificate
		wantSuite uint16 // 0: handshake must fail
		wantMin   int    // minimum strength of the negotiated suite
	}{
		{name: "one suite", server: Settings{Protocols: TLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
			cert: p.ecLeaf, wantSuite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{name: "CBC suite in TLS1.0", server: Settings{Protocols: TLS10, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}},
			client: Settings{Protocols: TLS10}, cert: p.ecLeaf, wantSuite: tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA},
		{name: "strength 256 server", server: Settings{Protocols: TLS12, MinCipherStrength: 256},
			cert: p.ecLeaf, wantMin: 256},
		{name: "strength 256 server, 128-bit client", server: Settings{Protocols: TLS12, MinCipherStrength: 256},
			client: Settings{CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}, cert: p.ecLeaf},
		{name: "disjoint lists", server: Settings{Protocols: TLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
			client: Settings{CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, cert: p.ecLeaf},
		{name: "insecure RSA key exchange with opt-in", server: Settings{Protocols: TLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}, AllowInsecureCipherSuites: true},
			client: Settings{CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}, AllowInsecureCipherSuites: true}, cert: p.rsaLeaf, wantSuite: tls.TLS_RSA_WITH_AES_128_GCM_SHA256},
		{name: "all three TLS 1.3 names", server: Settings{CipherSuites: []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
			client: Settings{Protocols: TLS12}, cert: p.ecLeaf, wantSuite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, cc := mustConfigs(t, &tt.server, &tt.client, tt.cert)
			r := handshake(t, sc, cc)
			if tt.wantSuite == 0 && tt.wantMin == 0 {
				if r.clientErr == nil || r.serverErr == nil {
					t.Fatalf("handshake succeeded with %s, want failure", tls.CipherSuiteName(r.client.CipherSuite))
				}
				return
			}
			if r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
			}
			if tt.wantSuite != 0 && r.server.CipherSuite != tt.wantSuite {
				t.Fatalf("negotiated %s, want %s", tls.CipherSuiteName(r.server.CipherSuite), tls.CipherSuiteName(tt.wantSuite))
			}
			if got := CipherStrength(r.server.CipherSuite); got < tt.wantMin {
				t.Fatalf("negotiated %s (%d bits), want at least %d", tls.CipherSuiteName(r.server.CipherSuite), got, tt.wantMin)
			}
		})
	}
}

func TestConfigCipherErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Settings
		want error
	}{
		{"one TLS 1.3 suite with TLS 1.3 enabled", Settings{CipherSuites: []uint16{tls.TLS_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}, ErrNoCipherSuites},
		{"strength 256 with TLS 1.3", Settings{MinCipherStrength: 256}, ErrNoCipherSuites},
		{"strength above every suite", Settings{Protocols: TLS12, MinCipherStrength: 512}, ErrNoCipherSuites},
		{"only TLS 1.3 names with TLS 1.2 enabled", Settings{CipherSuites: []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256}}, ErrNoCipherSuites},
		{"GCM-only suites for TLS 1.0", Settings{Protocols: TLS10, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, ErrNoCipherSuites},
		{"insecure without opt-in", Settings{CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}, ErrInsecureCipher},
		{"unknown ID", Settings{CipherSuites: []uint16{0x0016}}, ErrUnknownCipher},
		{"negative strength", Settings{MinCipherStrength: -1}, ErrInvalidValue},
		{"SSL3", Settings{Protocols: SSL3 | TLS10}, ErrUnsupportedProtocol},
		{"hole", Settings{Protocols: TLS10 | TLS13}, ErrUnsupportedProtocol},
		{"hybrid in TLS12 groups", Settings{TLS12Groups: []tls.CurveID{tls.X25519MLKEM768}}, ErrUnsupportedGroup},
		{"unknown group", Settings{TLS13Groups: []tls.CurveID{30}}, ErrUnsupportedGroup},
		{"empty group set", Settings{TLS13Groups: []tls.CurveID{}}, ErrUnsupportedGroup},
		{"bad key share group", Settings{TLS13KeyShareGroups: []tls.CurveID{256}}, ErrUnsupportedGroup},
		{"bad signature entry", Settings{TLS13SignatureAlgorithms: []SignatureAlgorithm{{Key: "rsa", Hash: "sha3"}}}, ErrUnknownSignatureAlgorithm},
		{"ecdsa curve and hash mismatch", Settings{TLS13SignatureAlgorithms: []SignatureAlgorithm{{Key: "ecdsa", Hash: "sha512", Curve: "secp256r1"}}}, ErrUnknownSignatureAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, build := range []func() (*tls.Config, error){tt.s.ServerConfig, tt.s.ClientConfig} {
				cfg, err := build()
				if !errors.Is(err, tt.want) || cfg != nil {
					t.Fatalf("got %v, %v; want %v", cfg, err, tt.want)
				}
				var e *Error
				if !errors.As(err, &e) || e.Setting == "" || e.Detail == "" {
					t.Fatalf("error %#v lacks setting or detail", err)
				}
			}
			if err := tt.s.Validate(); !errors.Is(err, tt.want) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
}

// ipworksTLS12 is IPWorks's default TLS12SignatureAlgorithms.
const ipworksTLS12 = "sha512-ecdsa,sha512-rsa,sha512-dsa,sha384-ecdsa,sha384-rsa,sha384-dsa,sha256-ecdsa,sha256-rsa,sha256-dsa,sha224-ecdsa,sha224-rsa,sha224-dsa,sha1-ecdsa,sha1-rsa,sha1-dsa"

func TestHandshakeSignatureAlgorithms(t *testing.T) {
	t.Parallel()
	p := pki(t)
	mustParse := func(s string) []SignatureAlgorithm {
		l, err := ParseSignatureAlgorithms(s)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	tests := []struct {
		name   string
		client Settings
		cert   tls.Certificate
		reject bool
	}{
		{name: "RSA chain, ECDSA-only TLS 1.2 list", client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: mustParse("sha256-ecdsa,sha384-ecdsa")}, cert: p.rsaLeaf, reject: true},
		{name: "RSA chain, RSA allowed TLS 1.2", client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: mustParse("sha256-rsa")}, cert: p.rsaLeaf},
		{name: "RSA chain, ECDSA-only TLS 1.3 list", client: Settings{TLS13SignatureAlgorithms: mustParse("ecdsa_secp256r1_sha256")}, cert: p.rsaLeaf, reject: true},
		{name: "ECDSA chain, ECDSA TLS 1.3 list", client: Settings{TLS13SignatureAlgorithms: mustParse("ecdsa_secp256r1_sha256")}, cert: p.ecLeaf},
		{name: "P-384 signer, P-256-only TLS 1.3 list", client: Settings{TLS13SignatureAlgorithms: mustParse("ecdsa_secp256r1_sha256")}, cert: p.ec384Leaf, reject: true},
		{name: "P-384 signer, P-384 TLS 1.3 list", client: Settings{TLS13SignatureAlgorithms: mustParse("ecdsa_secp384r1_sha384")}, cert: p.ec384Leaf},
		// The defaults accept what crypto/tls does, RSA-PSS and Ed25519
		// included, over TLS 1.2 as over 1.3.
		{name: "PSS chain, default TLS 1.2 list", client: Settings{Protocols: TLS12}, cert: p.pssLeaf},
		{name: "PSS chain, IPWorks's TLS 1.2 list", client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: mustParse(ipworksTLS12)}, cert: p.pssLeaf, reject: true},
		{name: "PSS chain, unrestricted TLS 1.2 list", client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: []SignatureAlgorithm{}}, cert: p.pssLeaf},
		{name: "PSS chain, default TLS 1.3 list", client: Settings{}, cert: p.pssLeaf},
		{name: "Ed25519 chain, default TLS 1.2 list", client: Settings{Protocols: TLS12}, cert: p.edLeaf},
		{name: "Ed25519 chain, IPWorks's TLS 1.2 list", client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: mustParse(ipworksTLS12)}, cert: p.edLeaf, reject: true},
		{name: "Ed25519 chain, default TLS 1.3 list", client: Settings{}, cert: p.edLeaf},
		{name: "TLS 1.3 list does not apply to TLS 1.2", client: Settings{Protocols: TLS12, TLS13SignatureAlgorithms: mustParse("ed25519")}, cert: p.ecLeaf},
		{name: "accept any skips the list", client: Settings{AcceptAnyServerCert: true, TLS13SignatureAlgorithms: mustParse("ed25519")}, cert: p.ecLeaf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, cc := mustConfigs(t, &Settings{}, &tt.client, tt.cert)
			r := handshake(t, sc, cc)
			if !tt.reject {
				if r.clientErr != nil || r.serverErr != nil {
					t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
				}
				return
			}
			var e *Error
			if !errors.Is(r.clientErr, ErrSignatureAlgorithm) || !errors.As(r.clientErr, &e) || ipworksCode(e) != 280 {
				t.Fatalf("client error = %v, want ErrSignatureAlgorithm with code 280", r.clientErr)
			}
			if r.serverErr == nil {
				t.Fatal("server handshake succeeded after the client rejected the chain")
			}
		})
	}
}

// Servers apply the allow lists to client certificates.
func TestHandshakeClientCertificateSignature(t *testing.T) {
	t.Parallel()
	p := pki(t)
	for _, tt := range []struct {
		name   string
		list   string
		reject bool
	}{
		{"RSA-only list rejects an ECDSA-signed client chain", "rsa_pss_sha256,rsa_pkcs1_sha256", true},
		{"ECDSA list accepts it", "ecdsa_secp256r1_sha256", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := ParseSignatureAlgorithms(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			srv := &Settings{TLS13SignatureAlgorithms: l, ClientCAs: []*x509.Certificate{p.ecCA}}
			sc, cc := mustConfigs(t, srv, &Settings{}, p.ecLeaf)
			sc.ClientAuth = tls.RequireAndVerifyClientCert
			cc.Certificates = []tls.Certificate{p.ecClient}
			r := handshake(t, sc, cc)
			if tt.reject != (r.serverErr != nil) {
				t.Fatalf("server error = %v, want reject=%v", r.serverErr, tt.reject)
			}
			if tt.reject && !errors.Is(r.serverErr, ErrSignatureAlgorithm) {
				t.Fatalf("server error = %v, want ErrSignatureAlgorithm", r.serverErr)
			}
		})
	}
}

func TestClientVerification(t *testing.T) {
	t.Parallel()
	p := pki(t)
	t.Run("untrusted self-signed is rejected", func(t *testing.T) {
		t.Parallel()
		sc, cc := mustConfigs(t, &Settings{}, &Settings{}, p.selfSigned)
		r := handshake(t, sc, cc)
		var ue x509.UnknownAuthorityError
		if !errors.As(r.clientErr, &ue) {
			t.Fatalf("client error = %v, want x509.UnknownAuthorityError", r.clientErr)
		}
	})
	t.Run("AcceptAnyServerCert accepts it", func(t *testing.T) {
		t.Parallel()
		sc, cc := mustConfigs(t, &Settings{}, &Settings{AcceptAnyServerCert: true}, p.selfSigned)
		if !cc.InsecureSkipVerify {
			t.Fatal("InsecureSkipVerify not set")
		}
		r := handshake(t, sc, cc)
		if r.clientErr != nil {
			t.Fatal(r.clientErr)
		}
	})
	t.Run("ServerCAs add to the system roots", func(t *testing.T) {
		t.Parallel()
		sc, cc := mustConfigs(t, &Settings{}, &Settings{ServerCAs: []*x509.Certificate{p.ecCA}}, p.ecLeaf)
		r := handshake(t, sc, cc)
		if r.clientErr != nil || len(r.client.VerifiedChains) == 0 {
			t.Fatalf("client: %v, chains %d", r.clientErr, len(r.client.VerifiedChains))
		}
	})
	t.Run("wrong server name is rejected", func(t *testing.T) {
		t.Parallel()
		sc, cc := mustConfigs(t, &Settings{}, &Settings{ServerName: "example.invalid"}, p.ecLeaf)
		r := handshake(t, sc, cc)
		var he x509.HostnameError
		if !errors.As(r.clientErr, &he) {
			t.Fatalf("client error = %v, want x509.HostnameError", r.clientErr)
		}
	})
}

func TestReuseSessionAndALPN(t *testing.T) {
	t.Parallel()
	p := pki(t)
	for _, proto := range []Protocols{TLS12, TLS13} {
		t.Run(proto.String(), func(t *testing.T) {
			t.Parallel()
			sc, cc := mustConfigs(t, &Settings{Protocols: proto, NextProtos: []string{"h2", "echo"}},
				&Settings{ReuseSession: true, NextProtos: []string{"echo"}}, p.ecLeaf)
			first := handshake(t, sc, cc)
			if first.clientErr != nil || first.client.DidResume {
				t.Fatalf("first: %v resumed=%v", first.clientErr, first.client.DidResume)
			}
			second := handshake(t, sc, cc)
			if second.clientErr != nil || !second.client.DidResume || !second.server.DidResume {
				t.Fatalf("second: %v resumed=%v/%v", second.clientErr, second.client.DidResume, second.server.DidResume)
			}
			info := Negotiated(second.server)
			if info.ALPN != "echo" || info.ServerName != "localhost" || !info.DidResume {
				t.Fatalf("Info = %+v", info)
			}
		})
	}
	t.Run("without ReuseSession no resumption", func(t *testing.T) {
		t.Parallel()
		sc, cc := mustConfigs(t, &Settings{}, &Settings{}, p.ecLeaf)
		handshake(t, sc, cc)
		if r := handshake(t, sc, cc); r.client.DidResume {
			t.Fatal("resumed without a session cache")
		}
	})
}

func TestConfigFields(t *testing.T) {
	t.Parallel()
	s := &Settings{Renegotiation: true, ReuseSession: true, ServerName: "h", NextProtos: []string{"a"}}
	cc, err := s.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cc.Renegotiation != tls.RenegotiateFreelyAsClient || cc.ClientSessionCache == nil || cc.ServerName != "h" ||
		cc.MinVersion != tls.VersionTLS12 || cc.MaxVersion != tls.VersionTLS13 || cc.CipherSuites != nil || cc.CurvePreferences != nil {
		t.Fatalf("client config = %+v", cc)
	}
	s.NextProtos[0] = "changed"
	if cc.NextProtos[0] != "a" {
		t.Fatal("config shares NextProtos with Settings")
	}
	sc, err := s.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	if sc.ServerName != "" || sc.ClientSessionCache != nil || sc.Renegotiation != 0 || sc.VerifyConnection == nil {
		t.Fatalf("server config = %+v", sc)
	}
	cache := tls.NewLRUClientSessionCache(4)
	s.SessionCache = cache
	if cc, _ := s.ClientConfig(); cc.ClientSessionCache != cache {
		t.Fatal("SessionCache not used")
	}
}

func TestCheckConnection(t *testing.T) {
	t.Parallel()
	p := pki(t)
	cs := tls.ConnectionState{Version: tls.VersionTLS13, CurveID: tls.CurveP256, PeerCertificates: []*x509.Certificate{p.rsaLeaf.Leaf, p.rsaCA}}
	s := &Settings{TLS13Groups: []tls.CurveID{tls.X25519}}
	if err := s.CheckConnection(cs, true); !errors.Is(err, ErrGroupRejected) {
		t.Fatalf("got %v, want ErrGroupRejected", err)
	}
	s.TLS13Groups = nil
	if err := s.CheckConnection(cs, true); err != nil {
		t.Fatal(err)
	}
	s.TLS13SignatureAlgorithms, _ = ParseSignatureAlgorithms("ed25519")
	if err := s.CheckConnection(cs, true); !errors.Is(err, ErrSignatureAlgorithm) {
		t.Fatalf("got %v, want ErrSignatureAlgorithm", err)
	}
	s.AcceptAnyServerCert = true
	if err := s.CheckConnection(cs, true); err != nil {
		t.Fatalf("accept-any client: %v", err)
	}
	if err := s.CheckConnection(cs, false); !errors.Is(err, ErrSignatureAlgorithm) {
		t.Fatalf("server side ignores AcceptAnyServerCert: got %v", err)
	}
	s.Protocols = SSL2
	if err := s.CheckConnection(cs, true); !errors.Is(err, ErrUnsupportedProtocol) {
		t.Fatalf("got %v", err)
	}
}
