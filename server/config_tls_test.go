package server

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tlskit/tlskit/tlsconf"
)

// tlsNameCases are the TLS-layer names and what Config does with each on a
// TLS server: a value to set and what it reads back, or the sentinel it is
// refused with.
func tlsNameCases(t *testing.T) []struct {
	name, value, want string
	err               error
} {
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: getPKI(t).ca.Raw}))
	return []struct {
		name, value, want string
		err               error
	}{
		{name: "SSLEnabledProtocols", value: "3072", want: "3072"},
		{name: "SSLAllowInsecureCipherSuites", value: "True", want: "True"},
		{name: "SSLEnabledCipherSuites", value: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", want: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
		{name: "SSLCipherStrength", value: "128", want: "128"},
		{name: "TLS12SupportedGroups", value: "ecdhe_secp256r1,ecdhe_secp384r1", want: "ecdhe_secp256r1,ecdhe_secp384r1"},
		{name: "TLS13SupportedGroups", value: "ecdhe_x25519", want: "ecdhe_x25519"},
		{name: "TLS12SignatureAlgorithms", value: "ecdsa_secp256r1_sha256", want: "ecdsa_secp256r1_sha256"},
		{name: "TLS13SignatureAlgorithms", value: "ecdsa_secp256r1_sha256", want: "ecdsa_secp256r1_sha256"},
		{name: "SSLKeyLogFile", value: filepath.Join(t.TempDir(), "keys.log")},
		{name: "SSLClientCACerts", value: caPEM, want: caPEM},
		// A client's settings, and the names crypto/tls cannot honour.
		{name: "SSLAcceptAnyServerCert", value: "True", err: ErrUnsupported},
		{name: "SSLServerCACerts", value: caPEM, err: ErrUnsupported},
		{name: "ReuseSSLSession", value: "True", err: ErrUnsupported},
		{name: "SSLEnableRenegotiation", value: "True", err: ErrUnsupported},
		{name: "TLS13KeyShareGroups", value: "ecdhe_x25519", err: ErrUnsupported},
		{name: "OpenSSLCipherList", value: "DEFAULT", err: ErrUnsupported},
		{name: "OpenSSLCADir", value: "/etc/ssl", err: ErrUnsupported},
		{name: "OpenSSLCAFile", value: "/etc/ssl/ca.pem", err: ErrUnsupported},
		{name: "OpenSSLPrngSeedData", value: "x", err: ErrUnsupported},
		{name: "LogSSLPackets", value: "True", want: "True"},
		{name: "SSLCACerts", value: caPEM, err: ErrUnsupported},
		{name: "SSLIncludeCertChain", value: "True", err: ErrUnsupported},
		{name: "SSLSecurityFlags", value: "1", err: ErrUnsupported},
	}
}

// TestConfigTLSNames: every TLS-layer name is taken by Config on a TLS
// server (set, read back, and in the configuration new handshakes get),
// or refused with ErrUnsupported and what to use instead.
func TestConfigTLSNames(t *testing.T) {
	s, err := New(Options{LocalHost: "127.0.0.1", TLSConfig: getPKI(t).serverConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range tlsNameCases(t) {
		if tc.want == "" && tc.err == nil {
			tc.want = tc.value
		}
		_, err := s.Config(tc.name + "=" + tc.value)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("Config(%s=...) = %v, want %v naming it", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Config(%s=%.40s): %v", tc.name, tc.value, err)
			continue
		}
		if got, err := s.Config(strings.ToLower(tc.name)); err != nil || got != tc.want {
			t.Errorf("Config(%s) = %.60q, %v; want %.60q", tc.name, got, err, tc.want)
		}
	}
	cfg := s.TLSConfig()
	if cfg.MaxVersion != tls.VersionTLS12 || len(cfg.CipherSuites) != 1 || cfg.CipherSuites[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ||
		cfg.KeyLogWriter == nil || cfg.VerifyConnection == nil || cfg.ClientCAs == nil {
		t.Errorf("the configuration of new handshakes lacks the settings: %+v", cfg)
	}
	if len(cfg.Certificates) != 1 {
		t.Error("the base configuration's certificate is gone")
	}
	// A value that does not parse, or conflicts with the others, changes
	// nothing.
	for _, bad := range []string{"SSLEnabledProtocols=48", "SSLEnabledCipherSuites=TLS_AES_256_GCM_SHA384", "TLS13SupportedGroups=nope"} {
		var te *tlsconf.Error
		if _, err := s.Config(bad); !errors.As(err, &te) || te.Setting == "" {
			t.Errorf("Config(%s) = %v, want a *tlsconf.Error naming the setting", bad, err)
		}
	}
	if s.TLSConfig() != cfg {
		t.Error("a refused value replaced the configuration")
	}
	// Reset undoes them.
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Config("SSLEnabledProtocols"); got != "15360" {
		t.Errorf("SSLEnabledProtocols after Reset = %s", got)
	}
	if s.TLSConfig().MaxVersion != 0 {
		t.Error("Reset kept the TLS settings")
	}
	// A plain server has no TLS to configure.
	plain, err := New(Options{LocalHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Config("SSLEnabledProtocols=3072"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "plain") {
		t.Errorf("plain server: %v", err)
	}
}

// TestConfigTLSReachesHandshakes: TLS settings set by Config while
// listening change what new handshakes negotiate (protocol version, cipher
// suite, group), write the key log, and survive a certificate reload; the
// TLS hooks still run.
func TestConfigTLSReachesHandshakes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		var status atomic.Int32
		ev := echoEvents()
		ev.OnSSLStatus = func(*Conn, string) { status.Add(1) }
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), Events: ev})
		handshake := func() tls.ConnectionState {
			t.Helper()
			c := dialTLS(t, s, p.clientConfig())
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			return c.ConnectionState()
		}
		if v := handshake().Version; v != tls.VersionTLS13 {
			t.Fatalf("before: %s", tls.VersionName(v))
		}
		keys := filepath.Join(t.TempDir(), "keys.log")
		for _, set := range []string{"SSLEnabledProtocols=3072", "SSLEnabledCipherSuites=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
			"TLS12SupportedGroups=ecdhe_secp384r1", "SSLKeyLogFile=" + keys} {
			if _, err := s.Config(set); err != nil {
				t.Fatalf("Config(%s): %v", set, err)
			}
		}
		st := handshake()
		if st.Version != tls.VersionTLS12 || st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 || st.CurveID != tls.CurveP384 {
			t.Fatalf("after Config: %s %s %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.CurveID)
		}
		if b, err := os.ReadFile(keys); err != nil || !strings.Contains(string(b), "CLIENT_RANDOM ") {
			t.Fatalf("key log: %q, %v", b, err)
		}
		// A renewed certificate keeps the settings.
		if err := s.SetCertificate(p.leaf(t, "renewed", false, "ecdsa", "localhost")); err != nil {
			t.Fatal(err)
		}
		st = handshake()
		if st.Version != tls.VersionTLS12 || st.PeerCertificates[0].Subject.CommonName != "renewed" {
			t.Fatalf("after SetCertificate: %s, %s", tls.VersionName(st.Version), st.PeerCertificates[0].Subject.CommonName)
		}
		// A client that offers only groups the server no longer allows
		// fails.
		cc := p.clientConfig()
		cc.CurvePreferences = []tls.CurveID{tls.X25519}
		c, err := tls.Dial("tcp", s.Addr().String(), cc)
		if err == nil {
			err = c.Handshake()
			c.Close()
		}
		if err == nil {
			t.Fatal("a handshake with a group TLS12SupportedGroups excludes succeeded")
		}
		if status.Load() == 0 {
			t.Fatal("OnSSLStatus never ran")
		}
	})
}

// TestNegotiatedSameStrings: for one connection, the server's
// SSLNegotiated* settings and Conn.TLS give the strings tlsconf.Negotiated
// gives for the client's view of it (one implementation): the bulk cipher
// "AES_128_GCM", not the suite; "TLS1.3"; 253 bits for the x25519 of
// X25519MLKEM768, not 768.
func TestNegotiatedSameStrings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		conns := make(chan *Conn, 1)
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
		cc := p.clientConfig()
		cc.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768}
		client := dialTLS(t, s, cc)
		if err := client.Handshake(); err != nil {
			t.Fatal(err)
		}
		c := <-conns
		mine := tlsconf.Negotiated(client.ConnectionState())
		info, ok := c.TLS()
		if !ok {
			t.Fatal("no TLS info")
		}
		for _, tc := range []struct{ name, want string }{
			{"SSLNegotiatedVersion", "TLS1.3"},
			{"SSLNegotiatedCipher", "AES_128_GCM"},
			{"SSLNegotiatedCipherSuite", "TLS_AES_128_GCM_SHA256"},
			{"SSLNegotiatedCipherStrength", "128"},
			{"SSLNegotiatedKeyExchange", "ECDHE-MLKEM"},
			{"SSLNegotiatedKeyExchangeStrength", "253"},
			{"SSLNegotiatedGroup", "X25519MLKEM768"},
			{"SSLNegotiatedServerName", "localhost"},
			{"SSLSessionReused", "False"},
		} {
			got, err := s.Config(tc.name + "[" + strconv.FormatInt(c.ConnectionID(), 10) + "]")
			clientView, _ := mine.Get(tc.name)
			fromInfo, _ := info.Get(tc.name)
			if err != nil || got != tc.want || clientView != tc.want || fromInfo != tc.want {
				t.Errorf("%s: Config %q (%v), Conn.TLS %q, tlsconf.Negotiated of the client %q; want %q", tc.name, got, err, fromInfo, clientView, tc.want)
			}
		}
	})
}
