package tlsconf_test

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/tlsconf"
)

// Settings are changed by their IPWorks names, then turned into a config.
func ExampleSettings_Set() {
	var s tlsconf.Settings
	for _, kv := range [][2]string{
		{"SSLEnabledProtocols", "3072"}, // TLS 1.2 only
		{"SSLEnabledCipherSuites", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
		{"TLS12SupportedGroups", "ecdhe_secp256r1,ecdhe_secp384r1"},
	} {
		if err := s.Set(kv[0], kv[1]); err != nil {
			fmt.Println(err)
			return
		}
	}
	cfg, err := s.ServerConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tlsconf.Close(cfg)
	fmt.Println(tlsconf.VersionName(cfg.MinVersion), tlsconf.VersionName(cfg.MaxVersion))
	fmt.Println(tlsconf.FormatCipherSuites(cfg.CipherSuites))
	fmt.Println(tlsconf.FormatGroups(cfg.CurvePreferences))

	// A name of another layer falls through.
	if err := s.Set("MaxConnections", "10"); errors.Is(err, tlsconf.ErrUnknownSetting) {
		fmt.Println("not a TLS setting")
	}
	// Output:
	// TLS1.2 TLS1.2
	// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	// ecdhe_secp256r1,ecdhe_secp384r1
	// not a TLS setting
}

// What crypto/tls cannot do is an error that says what to do instead.
func ExampleProtocols_Range() {
	_, _, err := (tlsconf.TLS10 | tlsconf.TLS13).Range()
	fmt.Println(err)
	_, _, err = tlsconf.SSL3.Range()
	fmt.Println(errors.Is(err, tlsconf.ErrUnsupportedProtocol))
	// Output:
	// tlsconf: unsupported protocol version: SSLEnabledProtocols "TLS1|TLS1.3": crypto/tls only supports one contiguous range of versions; also enable the versions in between (e.g. 16320)
	// true
}

// Negotiated reports a connection's details, also by IPWorks's names.
func ExampleNegotiated() {
	info := tlsconf.Negotiated(tls.ConnectionState{
		Version:     tls.VersionTLS13,
		CipherSuite: tls.TLS_AES_256_GCM_SHA384,
		CurveID:     tls.X25519,
	})
	for _, name := range []string{"SSLNegotiatedVersion", "SSLNegotiatedCipherSuite", "SSLNegotiatedCipherStrength",
		"SSLNegotiatedKeyExchange", "SSLNegotiatedKeyExchangeStrength", "SSLNegotiatedGroup"} {
		v, _ := info.Get(name)
		fmt.Printf("%s=%s\n", name, v)
	}
	// Output:
	// SSLNegotiatedVersion=TLS1.3
	// SSLNegotiatedCipherSuite=TLS_AES_256_GCM_SHA384
	// SSLNegotiatedCipherStrength=256
	// SSLNegotiatedKeyExchange=ECDHE
	// SSLNegotiatedKeyExchangeStrength=253
	// SSLNegotiatedGroup=ecdhe_x25519
}
