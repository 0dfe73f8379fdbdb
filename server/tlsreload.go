package server

import (
	"crypto/tls"
	"fmt"
)

// SetTLSConfig replaces the TLS configuration while the server runs:
// handshakes of connections accepted afterwards use cfg, and connections
// already accepted keep the configuration they started with. The server
// keeps cfg across Reset. It must hold a certificate, as Options.TLSConfig
// must, and a plain server cannot become a TLS one (nor the reverse): both
// fail with ErrInvalidValue. cfg is not copied; do not change it afterwards,
// set another. To follow a certificate file as it is renewed, give cfg a
// GetCertificate that reads it (certs.Watcher.GetCertificate).
func (s *Server) SetTLSConfig(cfg *tls.Config) error {
	if cfg == nil {
		return fmt.Errorf("%w: SetTLSConfig(nil): a TLS server stays one", ErrInvalidValue)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil && s.ev.OnSSLConnectionRequest == nil {
		return fmt.Errorf("%w: SetTLSConfig: the configuration has no certificate (Certificates, GetCertificate or GetConfigForClient)", ErrInvalidValue)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateClosed {
		return ErrServerClosed
	}
	if s.opts.TLSConfig == nil {
		return fmt.Errorf("%w: SetTLSConfig on a plain server: set Options.TLSConfig in New to serve TLS", ErrInvalidValue)
	}
	cfg = noSystemClientRoots(cfg, s.opts.SSLAuthenticateClients)
	if err := s.rebaseTLSLocked(cfg); err != nil {
		return err
	}
	s.opts.TLSConfig = cfg
	s.initial.TLSConfig = cfg // a renewed certificate outlives Reset
	return nil
}

// SetCertificate is SetTLSConfig with a copy of the current configuration
// whose Certificates are certs: the usual way to put a renewed certificate
// in place. crypto/tls's rules still pick among them: a GetConfigForClient
// of the configuration is asked first, and its GetCertificate when the
// client sends a server name.
func (s *Server) SetCertificate(certs ...tls.Certificate) error {
	if len(certs) == 0 {
		return fmt.Errorf("%w: SetCertificate without a certificate", ErrInvalidValue)
	}
	for i, c := range certs {
		if len(c.Certificate) == 0 || c.PrivateKey == nil {
			return fmt.Errorf("%w: SetCertificate: certificate %d lacks its DER or its private key", ErrInvalidValue, i)
		}
	}
	s.mu.Lock()
	cur := s.opts.TLSConfig
	s.mu.Unlock()
	if cur == nil {
		return fmt.Errorf("%w: SetCertificate on a plain server: set Options.TLSConfig in New to serve TLS", ErrInvalidValue)
	}
	cfg := cur.Clone()
	cfg.Certificates = certs
	return s.SetTLSConfig(cfg)
}

// TLSConfig returns the TLS configuration new connections get, nil for a
// plain server: the one given in Options.TLSConfig or SetTLSConfig, with
// the TLS settings changed by Config applied.
func (s *Server) TLSConfig() *tls.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.effectiveTLSLocked()
}
