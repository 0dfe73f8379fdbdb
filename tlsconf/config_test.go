package tlsconf

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSetGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		want        string // Get after Set; "" = same as value
	}{
		{"SSLEnabledProtocols", "12288", ""},
		{"sslenabledprotocols", "0x3000", "12288"},
		{"SSLEnabledProtocols", "4032", ""},
		{"SSLEnabledProtocols", "0", "15360"},
		{"SSLEnabledCipherSuites", "*", ""},
		{"SSLEnabledCipherSuites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", ""},
		{"SSLEnabledCipherSuites", "tls_ecdhe_rsa_with_aes_128_gcm_sha256, TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;TLS_AES_128_GCM_SHA256"},
		{"SSLCipherStrength", "256", ""},
		{"SSLCipherStrength", "0x80", "128"},
		{"TLS12SupportedGroups", "ecdhe_secp256r1,ecdhe_secp384r1", ""},
		{"TLS12SupportedGroups", "", "ecdhe_x25519,ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1"},
		{"TLS13SupportedGroups", "x25519,X25519MLKEM768", "ecdhe_x25519,X25519MLKEM768"},
		{"TLS13KeyShareGroups", "ecdhe_x25519", ""},
		{"TLS12SignatureAlgorithms", "sha256-rsa,sha256-dsa,sha1-rsa,sha1-dsa", ""},
		{"TLS12SignatureAlgorithms", "", ""},
		{"TLS13SignatureAlgorithms", "rsa_pss_sha256,ecdsa_secp256r1_sha256,ed25519", ""},
		{"SSLKeyLogFile", "/tmp/keys.log", ""},
		{"SSLAcceptAnyServerCert", "yes", "True"},
		{"SSLAcceptAnyServerCert", "FALSE", "False"},
		{"ReuseSSLSession", "1", "True"},
		{"SSLEnableRenegotiation", "True", ""},
		{"SSLAllowInsecureCipherSuites", "no", "False"},
	}
	for _, tt := range tests {
		var s Settings
		if err := s.Set(tt.name, tt.value); err != nil {
			t.Errorf("Set(%s, %q): %v", tt.name, tt.value, err)
			continue
		}
		got, err := s.Get(strings.ToUpper(tt.name))
		want := tt.want
		if want == "" {
			want = tt.value
		}
		if err != nil || got != want {
			t.Errorf("Get(%s) after Set %q = %q, %v; want %q", tt.name, tt.value, got, err, want)
		}
	}
}

func TestGetDefaults(t *testing.T) {
	t.Parallel()
	var s Settings
	want := map[string]string{
		"SSLEnabledProtocols":      "15360",
		"SSLEnabledCipherSuites":   "*",
		"SSLCipherStrength":        "0",
		"TLS12SignatureAlgorithms": DefaultTLS12SignatureAlgorithms,
		"TLS13SignatureAlgorithms": DefaultTLS13SignatureAlgorithms,
		"TLS13SupportedGroups":     "X25519MLKEM768,SecP256r1MLKEM768,SecP384r1MLKEM1024,ecdhe_x25519,ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1",
		"TLS13KeyShareGroups":      "",
		"SSLAcceptAnyServerCert":   "False",
		"SSLServerCACerts":         "",
		"SSLKeyLogFile":            "",
	}
	for name, w := range want {
		if got, err := s.Get(name); err != nil || got != w {
			t.Errorf("Get(%s) = %q, %v; want %q", name, got, err, w)
		}
	}
	if n := len(SettingNames()); n != 15 { // the 14 IPWorks names Set documents and SSLAllowInsecureCipherSuites
		t.Fatalf("SettingNames has %d names", n)
	}
	for _, n := range SettingNames() {
		if _, err := s.Get(n); err != nil {
			t.Errorf("Get(%s): %v", n, err)
		}
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		want        error
	}{
		{"NoSuchSetting", "1", ErrUnknownSetting},
		{"SSLNegotiatedVersion", "", ErrUnknownSetting},
		{"LogSSLPackets", "true", ErrUnsupportedSetting}, // crypto/tls logs no records
		{"SSLSecurityFlags", "0x1", ErrUnsupportedSetting},
		{"OpenSSLCipherList", "DEFAULT", ErrUnsupportedSetting},
		{"opensslcafile", "/etc/ssl/ca.pem", ErrUnsupportedSetting},
		{"SSLEnabledProtocols", "48", ErrUnsupportedProtocol},
		{"SSLEnabledProtocols", "12480", ErrUnsupportedProtocol}, // TLS1 | TLS1.3
		{"SSLEnabledProtocols", "-1", ErrInvalidValue},
		{"SSLEnabledProtocols", "abc", ErrInvalidValue},
		{"SSLCipherStrength", "strong", ErrInvalidValue},
		{"SSLEnabledCipherSuites", "TLS_RSA_WITH_RC4_128_MD5", ErrUnknownCipher},
		{"SSLEnabledCipherSuites", "TLS_RSA_WITH_RC4_128_SHA", ErrInsecureCipher},
		{"TLS13SupportedGroups", "ecdhe_x25519,ecdhe_x448,ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1,ffdhe_2048", ErrUnsupportedGroup}, // IPWorks's default
		{"TLS12SupportedGroups", "X25519MLKEM768", ErrUnsupportedGroup},
		{"TLS13SignatureAlgorithms", "rsa_pss_sha1", ErrUnknownSignatureAlgorithm},
		{"SSLAcceptAnyServerCert", "maybe", ErrInvalidValue},
		{"SSLServerCACerts", "not a certificate", ErrInvalidValue},
		{"SSLClientCACerts", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ErrInvalidValue},
		{"SSLServerCACerts", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", ErrInvalidValue},
	}
	for _, tt := range tests {
		var s Settings
		before, _ := s.Get(tt.name)
		err := s.Set(tt.name, tt.value)
		if !errors.Is(err, tt.want) {
			t.Errorf("Set(%s, %q) = %v, want %v", tt.name, tt.value, err, tt.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Setting == "" {
			t.Errorf("Set(%s) error %#v lacks the setting name", tt.name, err)
		}
		if after, _ := s.Get(tt.name); after != before {
			t.Errorf("Set(%s) failed but changed the value to %q", tt.name, after)
		}
		if _, err := s.Get(tt.name); tt.want == ErrUnknownSetting && !errors.Is(err, ErrUnknownSetting) {
			t.Errorf("Get(%s) = %v", tt.name, err)
		}
	}
	// Opting in first makes insecure suites acceptable.
	var s Settings
	if err := s.Set("SSLAllowInsecureCipherSuites", "true"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("SSLEnabledCipherSuites", "TLS_RSA_WITH_RC4_128_SHA"); err != nil {
		t.Fatal(err)
	}
}

func TestSetCACerts(t *testing.T) {
	t.Parallel()
	p := pki(t)
	text := "issuing CA\r\n" + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ecCA.Raw})) +
		"\r\n" + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.rsaCA.Raw}))
	var s Settings
	if err := s.Set("SSLServerCACerts", text); err != nil {
		t.Fatal(err)
	}
	if len(s.ServerCAs) != 2 || !s.ServerCAs[1].Equal(p.rsaCA) {
		t.Fatalf("ServerCAs = %d certs", len(s.ServerCAs))
	}
	got, _ := s.Get("SSLServerCACerts")
	var s2 Settings
	if err := s2.Set("SSLClientCACerts", got); err != nil || len(s2.ClientCAs) != 2 {
		t.Fatalf("Get output does not Set back: %v", err)
	}
	cfg, err := s2.ServerConfig()
	if err != nil || cfg.ClientCAs == nil {
		t.Fatalf("ClientCAs not applied: %v", err)
	}
	if err := s.Set("SSLServerCACerts", ""); err != nil || s.ServerCAs != nil {
		t.Fatalf("empty value does not clear: %v", err)
	}
}

// Settings given as strings produce the same handshake as typed ones.
func TestSetThenHandshake(t *testing.T) {
	t.Parallel()
	var srv, cli Settings
	for _, kv := range [][2]string{
		{"SSLEnabledProtocols", "3072"},
		{"SSLEnabledCipherSuites", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
		{"TLS12SupportedGroups", "ecdhe_secp384r1"},
	} {
		if err := srv.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	sc, cc := mustConfigs(t, &srv, &cli, pki(t).ecLeaf)
	r := handshake(t, sc, cc)
	if r.serverErr != nil {
		t.Fatal(r.serverErr)
	}
	info := Negotiated(r.client)
	if info.Version != tls.VersionTLS12 || info.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 || info.Group != tls.CurveP384 {
		t.Fatalf("Info = %+v", info)
	}
}

func FuzzSet(f *testing.F) {
	for _, n := range SettingNames() {
		f.Add(n, "")
	}
	f.Add("SSLEnabledProtocols", "0x3000")
	f.Add("SSLServerCACerts", "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----")
	f.Add("TLS13SupportedGroups", "ffdhe_2048")
	f.Fuzz(func(t *testing.T, name, value string) {
		var s Settings
		if err := s.Set(name, value); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		got, err := s.Get(name)
		if err != nil {
			t.Fatalf("Get after Set: %v", err)
		}
		var s2 Settings
		s2.AllowInsecureCipherSuites = s.AllowInsecureCipherSuites
		if err := s2.Set(name, got); err != nil {
			t.Fatalf("Get output %q does not Set back: %v", got, err)
		}
		if got2, _ := s2.Get(name); got2 != got {
			t.Fatalf("%s: %q then %q", name, got, got2)
		}
	})
}

// TestServerConfigOver: only the named settings replace the base's fields;
// the base's own checks still run after the settings'; SettingsOf reads a
// config back in the settings' terms.
func TestServerConfigOver(t *testing.T) {
	t.Parallel()
	called := false
	base := &tls.Config{
		MinVersion: tls.VersionTLS13, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.CurveP256}, ServerName: "kept",
		VerifyConnection: func(tls.ConnectionState) error { called = true; return nil },
	}
	got := SettingsOf(base)
	for name, want := range map[string]string{
		"SSLEnabledProtocols":    "12288",
		"SSLEnabledCipherSuites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		"TLS12SupportedGroups":   "ecdhe_secp256r1",
		"TLS13SupportedGroups":   "X25519MLKEM768,ecdhe_secp256r1",
	} {
		if v, _ := got.Get(name); v != want {
			t.Errorf("SettingsOf: %s = %s, want %s", name, v, want)
		}
	}
	s := got
	if err := s.Set("SSLEnabledProtocols", "15360"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("TLS13SupportedGroups", "ecdhe_x25519"); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.ServerConfigOver(base, "SSLEnabledProtocols")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != "kept" || len(cfg.CipherSuites) != 1 || len(cfg.CurvePreferences) != 2 {
		t.Fatalf("SSLEnabledProtocols alone: %+v", cfg)
	}
	if base.MinVersion != tls.VersionTLS13 {
		t.Fatal("the base changed")
	}
	cfg, err = s.ServerConfigOver(base, "tls13supportedgroups")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.CurvePreferences, []tls.CurveID{tls.X25519, tls.CurveP256}) {
		t.Fatalf("groups: %v", cfg.CurvePreferences)
	}
	if err := cfg.VerifyConnection(tls.ConnectionState{Version: tls.VersionTLS13, CurveID: tls.X25519MLKEM768}); !errors.Is(err, ErrGroupRejected) {
		t.Fatalf("group check: %v", err)
	}
	if err := cfg.VerifyConnection(tls.ConnectionState{Version: tls.VersionTLS13, CurveID: tls.X25519}); err != nil || !called {
		t.Fatalf("base check: %v, called %v", err, called)
	}
	for _, name := range []string{"SSLAcceptAnyServerCert", "ReuseSSLSession", "OpenSSLCADir", "SSLCACerts"} {
		if _, err := s.ServerConfigOver(base, name); !errors.Is(err, ErrUnsupportedSetting) {
			t.Errorf("ServerConfigOver(%s): %v", name, err)
		}
	}
	if err := ServerSetting("MaxConnections"); !errors.Is(err, ErrUnknownSetting) {
		t.Errorf("ServerSetting(MaxConnections): %v", err)
	}
}

// TestServerSettingCoversTable: every name Set takes is either applied to
// a server's config or refused with advice, never both or neither.
func TestServerSettingCoversTable(t *testing.T) {
	t.Parallel()
	for _, name := range SettingNames() {
		err := ServerSetting(name)
		if serverSide[name] == (err != nil) || (err != nil && clientSide[name] == "") {
			t.Errorf("%s: serverSide %v, advice %q, ServerSetting %v", name, serverSide[name], clientSide[name], err)
		}
	}
	for name := range serverSide {
		if _, ok := table.Lookup(name); !ok {
			t.Errorf("serverSide lists %s, which Set does not take", name)
		}
	}
}

// TestSettingsOfKeyLog: a config's open key log is described by its path
// and reused, not opened again, by configs built from the description.
func TestSettingsOfKeyLog(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	kl, err := OpenKeyLog(filepath.Join(dir, "keys.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer kl.Close()
	if err := os.RemoveAll(dir); err != nil { // opening it again would fail
		t.Fatal(err)
	}
	base := &tls.Config{KeyLogWriter: kl}
	s := SettingsOf(base)
	if v, _ := s.Get("SSLKeyLogFile"); v != kl.Path() {
		t.Fatalf("SSLKeyLogFile = %q", v)
	}
	for _, names := range [][]string{{"SSLEnabledProtocols"}, {"SSLKeyLogFile"}} {
		cfg, err := s.ServerConfigOver(base, names...)
		if err != nil || cfg.KeyLogWriter != kl {
			t.Fatalf("ServerConfigOver(%v): %v, key log %v", names, err, cfg)
		}
	}
}
