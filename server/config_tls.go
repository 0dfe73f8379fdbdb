package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tlskit/tlskit/internal/settings"
	"github.com/tlskit/tlskit/tlsconf"
)

// tlsSettings are the TLS-layer settings changed with Config. The server
// keeps the configuration given in Options.TLSConfig (or SetTLSConfig) as
// the base and derives from it the one new handshakes use, eff, which
// replaces the base's fields that the changed settings govern. All fields
// are guarded by Server.mu.
type tlsSettings struct {
	set    tlsconf.Settings // the values, valid together
	names  []string         // the settings changed, canonical names
	eff    *tls.Config      // the base with them applied; nil: none changed
	keyLog *keyLogSwitch    // SSLKeyLogFile's file; nil until it is set
}

// effectiveTLSLocked returns the configuration new handshakes use; s.mu
// is held.
func (s *Server) effectiveTLSLocked() *tls.Config {
	if s.tls.eff != nil {
		return s.tls.eff
	}
	return s.opts.TLSConfig
}

// tlsConfigLocked reads or sets a TLS-layer setting; s.mu is held.
func (s *Server) tlsConfigLocked(r settings.Request) (string, error) {
	if err := tlsconf.ServerSetting(r.Name); err != nil {
		return "", err
	}
	name := canonicalTLSName(r.Name)
	if !r.Set {
		if slices.Contains(s.tls.names, name) {
			return s.tls.set.Get(name)
		}
		cur := tlsconf.SettingsOf(s.opts.TLSConfig)
		return cur.Get(name)
	}
	base := s.opts.TLSConfig
	if base == nil {
		return "", fmt.Errorf("%w: %s: the server is plain TCP (Options.TLSConfig is nil); TLS settings need a TLS server", ErrUnsupported, name)
	}
	if err := overridable(base, name); err != nil {
		return "", err
	}
	next := s.tls.set
	if len(s.tls.names) == 0 {
		next = tlsconf.SettingsOf(base)
	}
	if err := next.Set(name, r.Value); err != nil {
		return "", err
	}
	var kl *tlsconf.KeyLog
	if name == "SSLKeyLogFile" {
		next.KeyLogWriter = nil
		if next.KeyLogFile != "" {
			var err error
			if kl, err = tlsconf.OpenKeyLog(next.KeyLogFile); err != nil {
				return "", err
			}
			if s.tls.keyLog == nil {
				s.tls.keyLog = new(keyLogSwitch)
			}
			next.KeyLogWriter = s.tls.keyLog
		}
	}
	names := s.tls.names
	if !slices.Contains(names, name) {
		names = append(slices.Clip(names), name)
	}
	eff, err := next.ServerConfigOver(base, names...)
	if err != nil {
		if kl != nil {
			kl.Close()
		}
		return "", err
	}
	s.tls = tlsSettings{set: next, names: names, eff: eff, keyLog: s.tls.keyLog}
	if name == "SSLKeyLogFile" && s.tls.keyLog != nil {
		s.tls.keyLog.swap(kl)
	}
	return "", nil
}

// rebaseTLSLocked derives the effective configuration from a new base
// (SetTLSConfig); s.mu is held.
func (s *Server) rebaseTLSLocked(base *tls.Config) error {
	if len(s.tls.names) == 0 {
		return nil
	}
	if err := overridable(base, s.tls.names[0]); err != nil {
		return fmt.Errorf("SetTLSConfig: %w (Reset drops the settings changed with Config)", err)
	}
	eff, err := s.tls.set.ServerConfigOver(base, s.tls.names...)
	if err != nil {
		return err
	}
	s.tls.eff = eff
	return nil
}

// resetTLSLocked forgets the TLS settings changed with Config (Reset,
// Close) and closes the key log they opened; s.mu is held.
func (s *Server) resetTLSLocked() {
	if s.tls.keyLog != nil {
		s.tls.keyLog.swap(nil)
	}
	s.tls = tlsSettings{}
}

// overridable reports, with ErrUnsupported, that the TLS setting name
// cannot apply over base: crypto/tls uses the configs base's
// GetConfigForClient returns as they are, so the fields the settings
// replace in the base would be ignored by every handshake.
func overridable(base *tls.Config, name string) error {
	if base.GetConfigForClient == nil {
		return nil
	}
	return fmt.Errorf("%w: %s: Options.TLSConfig has a GetConfigForClient, whose configs handshakes use as they are; set it in the configs it returns", ErrUnsupported, name)
}

// tlsSettingNames are the TLS-layer names a server's Config takes.
var tlsSettingNames = func() []string {
	var names []string
	for _, n := range tlsconf.SettingNames() {
		if tlsconf.ServerSetting(n) == nil {
			names = append(names, n)
		}
	}
	return names
}()

func canonicalTLSName(name string) string {
	for _, n := range tlsSettingNames {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return n
		}
	}
	return name
}

// isTLSName reports whether package tlsconf knows the name, as a setting
// a server takes or one it refuses.
func isTLSName(name string) bool {
	return !errors.Is(tlsconf.ServerSetting(name), ErrUnknownSetting)
}

// keyLogSwitch is the KeyLogWriter of the effective configurations: it
// writes to the file SSLKeyLogFile names now, so that a handshake still
// running on an older configuration never writes to a closed file.
type keyLogSwitch struct {
	mu sync.Mutex
	kl *tlsconf.KeyLog
}

func (k *keyLogSwitch) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kl == nil {
		return len(p), nil
	}
	return k.kl.Write(p)
}

// swap makes kl the file written to and closes the previous one.
func (k *keyLogSwitch) swap(kl *tlsconf.KeyLog) {
	k.mu.Lock()
	old := k.kl
	k.kl = kl
	k.mu.Unlock()
	if old != nil {
		old.Close()
	}
}
