package server

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/tlskit/tlskit/internal/access"
)

// Config sets or reads one configuration setting by its IPWorks name, as
// IPWorks's Config method: "NAME=VALUE" sets, "NAME" reads and returns the
// value. Per-connection settings take the connection id in brackets:
// "SSLNegotiatedCipher[3]". Names are case-insensitive. Booleans accept
// True/False, 1/0 and Yes/No.
//
// Server settings: AllowedClients, BlockedClients, BindExclusively,
// DefaultConnectionTimeout (seconds), InBufferSize, OutBufferSize,
// KeepAliveTime and KeepAliveInterval (milliseconds), MaxConnections,
// MaxConnectionsPerAddress (tlskit's, 0: no limit), TcpNoDelay, UseIPv6, CodePage, MaskSensitiveData, UseInternalSecurityAPI,
// SSLProvider, and the read-only BuildInfo. Changes apply
// to connections accepted afterwards, and LocalHost/port-related ones to
// the next StartListening.
//
// Per-connection, read-only: SSLNegotiatedCipher, SSLNegotiatedCipherSuite,
// SSLNegotiatedCipherStrength, SSLNegotiatedKeyExchange,
// SSLNegotiatedKeyExchangeStrength, SSLNegotiatedVersion.
//
// IPWorks's TLS-layer settings (SSLEnabledProtocols, SSLEnabledCipherSuites,
// ...) configure Options.TLSConfig instead; Config reports them as
// ErrUnsupported with that advice. Unknown names match ErrUnknownSetting.
func (s *Server) Config(setting string) (string, error) {
	name, value, set := strings.Cut(setting, "=")
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, '['); i >= 0 && strings.HasSuffix(name, "]") {
		id, err := strconv.ParseInt(name[i+1:len(name)-1], 10, 64)
		if err != nil {
			return "", fmt.Errorf("%w: %q: connection id %q is not a number", ErrInvalidValue, name, name[i+1:len(name)-1])
		}
		return s.connConfig(name[:i], id, set)
	}
	key := strings.ToLower(name)
	if s.State() == StateClosed {
		return "", ErrServerClosed
	}
	if set {
		return "", s.setConfig(key, name, strings.TrimSpace(value))
	}
	return s.getConfig(key, name)
}

var negotiatedNames = map[string]func(SSLInfo) string{
	"sslnegotiatedcipher":              func(i SSLInfo) string { return i.CipherSuite },
	"sslnegotiatedciphersuite":         func(i SSLInfo) string { return i.CipherSuite },
	"sslnegotiatedcipherstrength":      func(i SSLInfo) string { return strconv.Itoa(i.CipherStrength) },
	"sslnegotiatedkeyexchange":         func(i SSLInfo) string { return i.KeyExchange },
	"sslnegotiatedkeyexchangestrength": func(i SSLInfo) string { return strconv.Itoa(i.KeyExchangeStrength) },
	"sslnegotiatedversion":             func(i SSLInfo) string { return i.Version },
}

func (s *Server) connConfig(name string, id int64, set bool) (string, error) {
	get, ok := negotiatedNames[strings.ToLower(name)]
	if !ok {
		return "", fmt.Errorf("%w: %q has no per-connection form", ErrUnknownSetting, name)
	}
	if set {
		return "", fmt.Errorf("%w: %s", ErrReadOnly, name)
	}
	c, err := s.Conn(id)
	if err != nil {
		return "", err
	}
	info, ok := c.TLS()
	if !ok {
		return "", nil
	}
	return get(info), nil
}

// tlsLayerNames are the IPWorks settings that belong to the TLS
// configuration rather than to the server.
var tlsLayerNames = map[string]bool{
	"logsslpackets": true, "opensslcadir": true, "opensslcafile": true, "opensslcipherlist": true,
	"opensslprngseeddata": true, "reusesslsession": true, "sslacceptanyservercert": true,
	"sslcacerts": true, "sslcipherstrength": true, "sslclientcacerts": true,
	"sslenabledciphersuites": true, "sslenabledprotocols": true, "sslenablerenegotiation": true,
	"sslincludecertchain": true, "sslkeylogfile": true, "sslsecurityflags": true,
	"sslservercacerts": true, "tls12signaturealgorithms": true, "tls12supportedgroups": true,
	"tls13keysharegroups": true, "tls13signaturealgorithms": true, "tls13supportedgroups": true,
}

func (s *Server) getConfig(key, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.opts
	switch key {
	case "allowedclients":
		if o.AllowedClients == "" {
			return "*", nil
		}
		return o.AllowedClients, nil
	case "blockedclients":
		return o.BlockedClients, nil
	case "bindexclusively":
		return fmtBool(!o.SharePort), nil
	case "defaultconnectiontimeout":
		return strconv.Itoa(int(o.DefaultConnectionTimeout / time.Second)), nil
	case "inbuffersize":
		return strconv.Itoa(o.InBufferSize), nil
	case "outbuffersize":
		return strconv.Itoa(o.OutBufferSize), nil
	case "keepaliveinterval":
		return strconv.Itoa(int(o.KeepAliveInterval / time.Millisecond)), nil
	case "keepalivetime":
		return strconv.Itoa(int(o.KeepAliveTime / time.Millisecond)), nil
	case "maxconnections":
		return strconv.Itoa(o.MaxConnections), nil
	case "maxconnectionsperaddress":
		return strconv.Itoa(o.MaxConnectionsPerAddress), nil
	case "tcpnodelay":
		return fmtBool(!o.Nagle), nil
	case "useipv6":
		return strconv.Itoa(o.UseIPv6), nil
	case "codepage":
		return strconv.Itoa(o.CodePage), nil
	case "buildinfo":
		return buildInfo(), nil
	case "licenseinfo":
		return "tlskit is open source (see its LICENSE file); no license key is needed", nil
	case "masksensitivedata", "useinternalsecurityapi", "sslprovider":
		if v, ok := s.extra[key]; ok {
			return v, nil
		}
		return map[string]string{"masksensitivedata": "True", "useinternalsecurityapi": "False", "sslprovider": "0"}[key], nil
	}
	return "", s.unknown(key, name)
}

func (s *Server) unknown(key, name string) error {
	if _, ok := negotiatedNames[key]; ok {
		return fmt.Errorf("%w: %s is per connection: use %s[connectionId]", ErrInvalidValue, name, name)
	}
	if tlsLayerNames[key] {
		return fmt.Errorf("%w: %s is a TLS setting: set it on Options.TLSConfig (package tlsconf builds one from these names)", ErrUnsupported, name)
	}
	return fmt.Errorf("%w: %q", ErrUnknownSetting, name)
}

func (s *Server) setConfig(key, name, v string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s=%s: %s", ErrInvalidValue, name, v, why) }
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.opts
	switch key {
	case "allowedclients", "blockedclients":
		l, err := access.Parse(v)
		if err != nil {
			return bad(err.Error())
		}
		if key == "allowedclients" {
			o.AllowedClients = v
			s.pol.Allowed = l
		} else {
			o.BlockedClients = v
			s.pol.Blocked = l
		}
		return nil
	case "bindexclusively", "tcpnodelay", "masksensitivedata", "useinternalsecurityapi":
		b, err := parseBool(v)
		if err != nil {
			return bad(err.Error())
		}
		switch key {
		case "bindexclusively":
			o.SharePort = !b
		case "tcpnodelay":
			o.Nagle = !b
		default:
			// Go's crypto/tls is always used and nothing secret is ever
			// logged, so both are accepted and only remembered.
			s.extra[key] = fmtBool(b)
		}
		return nil
	case "sslprovider":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 2 {
			return bad("must be 0 (automatic), 1 (platform) or 2 (internal); Go's crypto/tls is used in every case")
		}
		s.extra[key] = v
		return nil
	case "defaultconnectiontimeout", "keepaliveinterval", "keepalivetime", "inbuffersize", "outbuffersize",
		"maxconnections", "maxconnectionsperaddress", "useipv6", "codepage":
		n, err := strconv.Atoi(v)
		if err != nil {
			return bad("not an integer")
		}
		return s.setInt(key, n, bad)
	case "buildinfo", "licenseinfo":
		return fmt.Errorf("%w: %s", ErrReadOnly, name)
	}
	return s.unknown(key, name)
}

func (s *Server) setInt(key string, n int, bad func(string) error) error {
	o := &s.opts
	if n < 0 && key != "maxconnections" {
		return bad("must not be negative")
	}
	// Durations are in seconds or milliseconds: n must not overflow them.
	units := map[string]time.Duration{"defaultconnectiontimeout": time.Second, "keepaliveinterval": time.Millisecond, "keepalivetime": time.Millisecond}
	if unit, ok := units[key]; ok && time.Duration(n) > math.MaxInt64/unit {
		return bad("too large (at most " + strconv.FormatInt(int64(math.MaxInt64/unit), 10) + ")")
	}
	switch key {
	case "defaultconnectiontimeout":
		o.DefaultConnectionTimeout = time.Duration(n) * time.Second
	case "keepaliveinterval":
		o.KeepAliveInterval = time.Duration(n) * time.Millisecond
	case "keepalivetime":
		o.KeepAliveTime = time.Duration(n) * time.Millisecond
	case "inbuffersize":
		o.InBufferSize = n
	case "outbuffersize":
		if n == 0 {
			return bad("must be positive")
		}
		o.OutBufferSize = n
	case "maxconnections":
		if s.state == StateListening {
			return ErrMaxConnListening
		}
		if n == 0 || n < -1 {
			return bad("must be positive or -1 (no limit)")
		}
		o.MaxConnections = n
	case "maxconnectionsperaddress":
		o.MaxConnectionsPerAddress = n // applies to the next accept, even while listening
	case "useipv6":
		if n > 2 {
			return bad("must be 0 (IPv4), 1 (IPv6) or 2 (both)")
		}
		if s.state == StateListening {
			return ErrLocalHostListening
		}
		o.UseIPv6 = n
	case "codepage":
		if _, err := codePage(n); err != nil {
			return bad(err.Error())
		}
		o.CodePage = n
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean (True/False, 1/0, Yes/No)")
}

func fmtBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func buildInfo() string {
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tlskit/tlskit" {
				version = d.Version
			}
		}
		if bi.Main.Path == "github.com/tlskit/tlskit" && bi.Main.Version != "" {
			version = bi.Main.Version
		}
	}
	return fmt.Sprintf("tlskit %s; %s %s/%s; TLS by Go crypto/tls", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
