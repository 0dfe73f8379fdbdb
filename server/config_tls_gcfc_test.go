package server

import (
	"crypto/tls"
	"errors"
	"testing"
)

// A base whose GetConfigForClient returns the configs handshakes use would
// ignore the fields Config replaces: the TLS settings say so instead of
// being accepted and never applied, when set and when SetTLSConfig brings
// such a base under settings already changed.
func TestConfigTLSOverGetConfigForClient(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		inner := p.serverConfig()
		withHook := func() *tls.Config {
			return &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return inner, nil }}
		}
		s := start(t, engine, Options{TLSConfig: withHook(), Events: echoEvents()})
		if _, err := s.Config("SSLEnabledProtocols=3072"); !errors.Is(err, ErrUnsupported) {
			// Accepted: show that it is not applied.
			c := dialTLS(t, s, p.clientConfig())
			herr := c.Handshake()
			v := c.ConnectionState().Version
			c.Close()
			t.Fatalf("Config(SSLEnabledProtocols=3072) over GetConfigForClient: %v; the handshake negotiated %s (%v)", err, tls.VersionName(v), herr)
		}
		// Reading still describes the base.
		if _, err := s.Config("SSLEnabledProtocols"); err != nil {
			t.Fatal(err)
		}
		// Settings changed over a plain base, then a base with the hook.
		if err := s.SetTLSConfig(p.serverConfig()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Config("SSLEnabledProtocols=3072"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTLSConfig(withHook()); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("SetTLSConfig of a GetConfigForClient base under changed settings: %v", err)
		}
	})
}
