package server

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/settings"
)

// Config sets or reads one configuration setting by name: "NAME=VALUE"
// sets, "NAME" reads and returns the value. Per-connection settings take
// the connection id in brackets: "SSLNegotiatedCipher[3]". Names are
// case-insensitive. Booleans accept True/False, 1/0 and Yes/No.
//
// Server settings: AllowedClients, BlockedClients, BindExclusively,
// DefaultConnectionTimeout (seconds), InBufferSize, OutBufferSize,
// KeepAliveTime and KeepAliveInterval (milliseconds), MaxConnections,
// MaxConnectionsPerAddress (tlskit's, 0: no limit), TcpNoDelay, UseIPv6,
// CodePage, MaskSensitiveData, UseInternalSecurityAPI, SSLProvider, and the
// read-only BuildInfo and LicenseInfo. Changes apply to connections
// accepted afterwards, while listening too: TcpNoDelay, KeepAliveTime,
// KeepAliveInterval (with Options.KeepAlive), InBufferSize (SO_RCVBUF) and
// OutBufferSize (SO_SNDBUF) reach the next accepted sockets, and TcpNoDelay
// and the keep-alive times also the sockets already open (the buffer sizes
// do not: an open connection's receive window is fixed by its handshake's
// scale, and its send queue bound by its accept); AllowedClients and
// BlockedClients decide the next connection. UseIPv6, MaxConnections
// and BindExclusively (which applies when the port is bound) cannot change
// while listening: their errors say so.
//
// TLS settings (a TLS server): SSLEnabledProtocols, SSLEnabledCipherSuites,
// SSLAllowInsecureCipherSuites, SSLCipherStrength, TLS12SupportedGroups,
// TLS13SupportedGroups, TLS12SignatureAlgorithms, TLS13SignatureAlgorithms,
// SSLKeyLogFile and SSLClientCACerts, with the values of
// tlsconf.Settings.Set. They apply to handshakes that start afterwards: the
// server keeps the configuration of Options.TLSConfig (or SetTLSConfig) and
// gives new handshakes a copy whose fields for the settings changed are
// replaced (see tlsconf.Settings.ServerConfigOver); TLSConfig returns it.
// Reading an unchanged one describes the base configuration
// (tlsconf.SettingsOf). Over a base with a GetConfigForClient, whose
// configs crypto/tls uses as they are, setting them matches
// ErrUnsupported (and so does SetTLSConfig of such a base once they are
// changed): set them in the configs it returns. A client's settings (SSLAcceptAnyServerCert,
// SSLServerCACerts, ReuseSSLSession, SSLEnableRenegotiation,
// TLS13KeyShareGroups) and those Go cannot honour (SSLCACerts,
// SSLIncludeCertChain, SSLSecurityFlags, the OpenSSL ones) match
// ErrUnsupported and say what to use instead. LogSSLPackets is
// Options.LogTLSRecords.
//
// Per-connection, read-only, the values of tlsconf.Info.Get (and of
// Conn.TLS): SSLNegotiatedVersion ("TLS1.3"), SSLNegotiatedCipher (the bulk
// cipher, "AES_128_GCM"), SSLNegotiatedCipherSuite
// ("TLS_AES_128_GCM_SHA256"), SSLNegotiatedCipherStrength ("128"),
// SSLNegotiatedKeyExchange ("ECDHE"), SSLNegotiatedKeyExchangeStrength
// ("253" for x25519), and tlskit's SSLNegotiatedGroup, SSLNegotiatedALPN,
// SSLNegotiatedServerName and SSLSessionReused; "" for a plain connection.
//
// Unknown names match ErrUnknownSetting.
func (s *Server) Config(setting string) (string, error) {
	r, err := settings.Parse(setting)
	if err != nil {
		return "", err
	}
	if r.HasID {
		return s.connConfig(r)
	}
	var after func() // runs once s.mu is released
	defer func() {
		if after != nil {
			after()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateClosed {
		return "", ErrServerClosed
	}
	st, err := serverSettings.Find(r.Name)
	if err != nil {
		if isTLSName(r.Name) {
			return s.tlsConfigLocked(r)
		}
		return "", s.unknown(r.Name, err)
	}
	v, err := st.Apply(s, r)
	if err == nil && r.Set && socketSettings[st.Name] {
		after = s.socketOptionsChangedLocked(st.Name != "InBufferSize" && st.Name != "OutBufferSize")
	}
	return v, err
}

// socketSettings are the settings of the accepted sockets: a change
// reaches the connections accepted afterwards, and those open already
// where the OS allows (see socketOptionsChangedLocked).
var socketSettings = map[string]bool{"TcpNoDelay": true, "KeepAliveTime": true, "KeepAliveInterval": true, "InBufferSize": true, "OutBufferSize": true}

// socketOptionsChangedLocked gives the listener the changed socket options
// for the next accepts and, when open is set, returns the function that
// applies TCP_NODELAY and the keep-alive options to the open connections'
// sockets too (Linux and the BSDs change them on an open socket; a larger
// SO_RCVBUF would not widen an open connection's window, so InBufferSize
// applies to new ones only, and so does OutBufferSize, whose send queue
// bound each connection takes when it is accepted). s.mu is held; the function runs without it
// (an engine conn takes its own lock).
func (s *Server) socketOptionsChangedLocked(open bool) func() {
	if s.ln != nil {
		s.ln.SetSocketOptions(s.opts.socketOptions())
	}
	if !open {
		return nil
	}
	s.sockGen++ // for the connections being admitted (see addConn)
	if len(s.conns) == 0 {
		return nil
	}
	return s.applyOpenSocketOptions
}

// applyOpenSocketOptions sets the current TCP_NODELAY and keep-alive
// options on the open connections' sockets. It takes the options and the
// connections under s.mu when it runs, and sockMu keeps two runs from
// overlapping: so when Config calls on different settings race, the last
// run sets what the server holds, never a copy an earlier call took before
// another's change.
func (s *Server) applyOpenSocketOptions() {
	s.sockMu.Lock()
	defer s.sockMu.Unlock()
	s.mu.Lock()
	o := s.opts.socketOptions()
	o.ReceiveBuffer, o.SendBuffer = 0, 0
	cs := make([]engine.SocketConfigurer, 0, len(s.conns))
	for _, c := range s.conns {
		if sc, ok := c.ec.(engine.SocketConfigurer); ok {
			cs = append(cs, sc)
		}
	}
	s.mu.Unlock()
	for _, sc := range cs {
		_ = sc.SetSocketOptions(o) // a closed one has nothing to set
	}
}

// SettingNames returns the names Server.Config accepts without a
// connection id, in their canonical spelling (a ws.Handler uses it to tell
// a server setting from an unknown name).
func SettingNames() []string { return append(serverSettings.Names(), tlsSettingNames...) }

func (s *Server) connConfig(r settings.Request) (string, error) {
	if _, err := (SSLInfo{}).Get(r.Name); err != nil {
		return "", fmt.Errorf("%w: %q has no per-connection form", ErrUnknownSetting, r.Name)
	}
	if r.Set {
		return "", fmt.Errorf("%w: %s", ErrReadOnly, r.Name)
	}
	c, err := s.Conn(r.ID)
	if err != nil {
		return "", err
	}
	info, ok := c.TLS()
	if !ok {
		return "", nil // a plain connection, or its handshake has not ended
	}
	return info.Get(r.Name)
}

// unknown explains a name the server table does not serve: a
// per-connection name given without its id.
func (s *Server) unknown(name string, err error) error {
	if _, nerr := (SSLInfo{}).Get(name); nerr == nil {
		return fmt.Errorf("%w: %s is per connection: use %s[connectionId]", ErrInvalidValue, name, name)
	}
	return err
}

// serverSettings are the settings of Server.Config; their Get and Set run
// with s.mu held.
var serverSettings = settings.NewTable(
	clientsSetting("AllowedClients", "*", func(s *Server) (*string, **access.List) { return &s.opts.AllowedClients, &s.pol.Allowed }),
	clientsSetting("BlockedClients", "", func(s *Server) (*string, **access.List) { return &s.opts.BlockedClients, &s.pol.Blocked }),
	// The port is bound by StartListening: changing it while listening
	// would do nothing until a restart, so it is refused.
	whenIdle(boolSetting("BindExclusively", func(o *Options) *bool { return &o.SharePort }, true), ErrLocalPortListening,
		"it applies when the port is bound: StopListening, set it, then StartListening"),
	durationSetting("DefaultConnectionTimeout", time.Second, func(o *Options) *time.Duration { return &o.DefaultConnectionTimeout }),
	intSetting("InBufferSize", 0, func(o *Options) *int { return &o.InBufferSize }),
	withDefault(intSetting("OutBufferSize", 1, func(o *Options) *int { return &o.OutBufferSize }), DefaultOutBufferSize),
	durationSetting("KeepAliveInterval", time.Millisecond, func(o *Options) *time.Duration { return &o.KeepAliveInterval }),
	durationSetting("KeepAliveTime", time.Millisecond, func(o *Options) *time.Duration { return &o.KeepAliveTime }),
	settings.Setting[*Server]{Name: "MaxConnections",
		Get: func(s *Server) string { return strconv.Itoa(s.opts.MaxConnections) },
		Set: func(s *Server, v string) error {
			n, err := settings.ParseInt(v, math.MinInt, math.MaxInt)
			if err != nil {
				return settings.Bad("not an integer")
			}
			if s.state == StateListening {
				return ErrMaxConnListening
			}
			if n == 0 || n < -1 {
				return settings.Bad("must be positive or -1 (no limit)")
			}
			s.opts.MaxConnections = int(n)
			return nil
		}},
	// Applies to the next accept, even while listening.
	intSetting("MaxConnectionsPerAddress", 0, func(o *Options) *int { return &o.MaxConnectionsPerAddress }),
	boolSetting("TcpNoDelay", func(o *Options) *bool { return &o.Nagle }, true),
	boolSetting("LogSSLPackets", func(o *Options) *bool { return &o.LogTLSRecords }, false),
	settings.Setting[*Server]{Name: "UseIPv6",
		Get: func(s *Server) string { return strconv.Itoa(int(s.opts.UseIPv6)) },
		Set: func(s *Server, v string) error {
			n, err := settings.ParseInt(v, 0, math.MaxInt)
			if err != nil {
				return err
			}
			if n > 2 {
				return settings.Bad("must be 0 (IPv4), 1 (IPv6) or 2 (both)")
			}
			if s.state == StateListening {
				return ErrLocalHostListening
			}
			s.opts.UseIPv6 = Family(n)
			return nil
		}},
	settings.Setting[*Server]{Name: "CodePage",
		Get: func(s *Server) string { return strconv.Itoa(s.opts.CodePage) },
		Set: func(s *Server, v string) error {
			n, err := settings.ParseInt(v, 0, math.MaxInt)
			if err != nil {
				return err
			}
			if _, err := codePage(int(n)); err != nil {
				return settings.Bad("%s", err)
			}
			s.opts.CodePage = int(n)
			return nil
		}},
	settings.Setting[*Server]{Name: "BuildInfo", Get: func(*Server) string { return buildInfo() }},
	settings.Setting[*Server]{Name: "LicenseInfo", Get: func(*Server) string {
		return "tlskit is open source (see its LICENSE file); no license key is needed"
	}},
	// Go's crypto/tls is always used and nothing secret is ever logged, so
	// these are accepted and only remembered.
	rememberedBool("MaskSensitiveData", "True"),
	rememberedBool("UseInternalSecurityAPI", "False"),
	settings.Setting[*Server]{Name: "SSLProvider",
		Get: func(s *Server) string { return s.remembered("sslprovider", "0") },
		Set: func(s *Server, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 2 {
				return settings.Bad("must be 0 (automatic), 1 (platform) or 2 (internal); Go's crypto/tls is used in every case")
			}
			s.extra["sslprovider"] = v
			return nil
		}},
)

// clientsSetting is a client list (AllowedClients, BlockedClients): the
// text as given, and the parsed list the next accept checks. An empty
// Allowed list reads as "*".
func clientsSetting(name, empty string, fields func(*Server) (*string, **access.List)) settings.Setting[*Server] {
	return settings.Setting[*Server]{Name: name,
		Get: func(s *Server) string {
			if text, _ := fields(s); *text != "" {
				return *text
			}
			return empty
		},
		Set: func(s *Server, v string) error {
			l, err := access.Parse(v)
			if err != nil {
				return settings.Bad("%s", err)
			}
			text, list := fields(s)
			*text, *list = v, l
			return nil
		}}
}

// whenIdle refuses to set st while the server listens, with err (whose
// code names the condition) and what to do.
func whenIdle(st settings.Setting[*Server], err error, advice string) settings.Setting[*Server] {
	set := st.Set
	st.Set = func(s *Server, v string) error {
		if s.state == StateListening {
			return fmt.Errorf("%w: %s: %s", err, st.Name, advice)
		}
		return set(s, v)
	}
	return st
}

// boolSetting is a boolean option; invert maps "True" to false in the
// field (TcpNoDelay=True is Nagle=false).
func boolSetting(name string, field func(*Options) *bool, invert bool) settings.Setting[*Server] {
	return settings.Setting[*Server]{Name: name,
		Get: func(s *Server) string { return settings.FormatBool(*field(&s.opts) != invert) },
		Set: func(s *Server, v string) error {
			b, err := settings.ParseBool(v)
			if err == nil {
				*field(&s.opts) = b != invert
			}
			return err
		}}
}

// intSetting is an int option of at least lo (0 or 1).
func intSetting(name string, lo int64, field func(*Options) *int) settings.Setting[*Server] {
	return settings.Setting[*Server]{Name: name,
		Get: func(s *Server) string { return strconv.Itoa(*field(&s.opts)) },
		Set: func(s *Server, v string) error {
			n, err := settings.ParseInt(v, 0, math.MaxInt)
			if err != nil {
				return err
			}
			if n < lo {
				return settings.Bad("must be positive")
			}
			*field(&s.opts) = int(n)
			return nil
		}}
}

// withDefault makes st read def while its field is 0 (unset).
func withDefault(st settings.Setting[*Server], def int) settings.Setting[*Server] {
	get := st.Get
	st.Get = func(s *Server) string {
		if v := get(s); v != "0" {
			return v
		}
		return strconv.Itoa(def)
	}
	return st
}

// durationSetting is a duration option written as a whole number of unit.
func durationSetting(name string, unit time.Duration, field func(*Options) *time.Duration) settings.Setting[*Server] {
	return settings.Setting[*Server]{Name: name,
		Get: func(s *Server) string { return settings.FormatDuration(*field(&s.opts), unit) },
		Set: func(s *Server, v string) error {
			d, err := settings.ParseDuration(v, unit)
			if err == nil {
				*field(&s.opts) = d
			}
			return err
		}}
}

// rememberedBool is a boolean that only reads back what was set.
func rememberedBool(name, def string) settings.Setting[*Server] {
	key := name
	return settings.Setting[*Server]{Name: name,
		Get: func(s *Server) string { return s.remembered(key, def) },
		Set: func(s *Server, v string) error {
			b, err := settings.ParseBool(v)
			if err == nil {
				s.extra[key] = settings.FormatBool(b)
			}
			return err
		}}
}

func (s *Server) remembered(key, def string) string {
	if v, ok := s.extra[key]; ok {
		return v
	}
	return def
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
