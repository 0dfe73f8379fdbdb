package server

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tlskit/tlskit/internal/settings"
)

// FuzzConfig checks Config's NAME=VALUE parser: it never panics, fails
// only with the package's errors, and a setting it accepts reads back a
// value that, set again, reads back the same (and for integer and boolean
// settings, the value that was set).
func FuzzConfig(f *testing.F) {
	for _, s := range []string{
		"MaxConnections=10", "maxconnections = -1", "TcpNoDelay=yes", "UseIPv6=2", "CodePage=1252",
		"DefaultConnectionTimeout=30", "KeepAliveTime=9223372036854775807", "DefaultConnectionTimeout=9223372036854",
		"AllowedClients=10.0.0.0/8, ::1", "BlockedClients=*", "SSLProvider=1", "MaskSensitiveData=0",
		"BuildInfo", "BuildInfo=x", "SSLNegotiatedCipher[1]", "SSLNegotiatedCipher[x]", "SSLEnabledProtocols=x",
		"=", "[", "a[]=b", "OutBufferSize=0", "InBufferSize=+5", "CodePage=-1",
	} {
		f.Add(s)
	}
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Fuzz(func(t *testing.T, setting string) {
		got, err := s.Config(setting)
		if err != nil {
			for _, known := range []error{ErrInvalidValue, ErrUnknownSetting, ErrReadOnly, ErrUnsupported, ErrInvalidConnectionID} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("Config(%q): %v, not one of the package's errors", setting, err)
		}
		name, value, set := strings.Cut(setting, "=")
		name = strings.TrimSpace(name)
		if !set {
			if got == "" && !slices.Contains([]string{"blockedclients", "sslkeylogfile", "sslclientcacerts"}, strings.ToLower(name)) {
				t.Fatalf("Config(%q) read an empty value", setting)
			}
			return
		}
		if got != "" {
			t.Fatalf("Config(%q) = %q, want \"\" for a set", setting, got)
		}
		read, err := s.Config(name)
		if err != nil {
			t.Fatalf("%q set but %q does not read: %v", setting, name, err)
		}
		if _, err := s.Config(name + "=" + read); err != nil {
			t.Fatalf("%q reads %q, which does not set: %v", name, read, err)
		}
		if again, _ := s.Config(name); again != read {
			t.Fatalf("%q reads %q, set again reads %q", name, read, again)
		}
		value = strings.TrimSpace(value)
		if n, err := strconv.Atoi(value); err == nil && isIntSetting(name) {
			if r, err := strconv.Atoi(read); err != nil || r != n {
				t.Fatalf("%q set, %q reads %q", setting, name, read)
			}
		}
		if b, err := settings.ParseBool(value); err == nil && isBoolSetting(name) {
			if r, err := settings.ParseBool(read); err != nil || r != b {
				t.Fatalf("%q set, %q reads %q", setting, name, read)
			}
		}
	})
}

func isIntSetting(name string) bool {
	switch strings.ToLower(name) {
	case "defaultconnectiontimeout", "keepaliveinterval", "keepalivetime", "inbuffersize", "outbuffersize",
		"maxconnections", "useipv6", "codepage", "sslprovider":
		return true
	}
	return false
}

func isBoolSetting(name string) bool {
	switch strings.ToLower(name) {
	case "bindexclusively", "tcpnodelay", "masksensitivedata", "useinternalsecurityapi":
		return true
	}
	return false
}
