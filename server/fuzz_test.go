package server

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tlskit/tlskit/internal/settings"
	"golang.org/x/text/encoding/unicode"
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

// FuzzCodePage checks EncodeText and DecodeText on every code page: they
// never panic; what EncodeText returns decodes, and re-encodes to the same
// bytes; for the code pages that map each character to one code (the
// single-byte ones, UTF-8, UTF-16, UTF-32), valid UTF-8 text decodes back
// to itself; DecodeText's text is valid UTF-8 (but on UTF-8, which passes
// the bytes through).
func FuzzCodePage(f *testing.F) {
	ids := make([]int, 0, len(codePages))
	for id := range codePages {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	servers := make([]*Server, len(ids))
	for i, id := range ids {
		s, err := New(Options{CodePage: id})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { s.Close() })
		servers[i] = s
	}
	for i, text := range []string{"", "hello", "héllo wörld €", "日本語のテキスト", "русский", "\x00\xff\xfe", "\U0001F600", "a\u202eb"} {
		f.Add(uint16(i*7), text, []byte(text))
	}
	f.Add(uint16(0), "", []byte{0x1b, '$', 'B', 0x30, 0x21, 0x1b, '(', 'B'})
	f.Fuzz(func(t *testing.T, pick uint16, text string, data []byte) {
		i := int(pick) % len(ids)
		id, s := ids[i], servers[i]
		e := codePages[id]
		if dec, err := s.DecodeText(data); err == nil {
			if id == 65001 {
				if dec != string(data) {
					t.Fatalf("code page 65001: DecodeText(%q) = %q", data, dec)
				}
			} else if !utf8.ValidString(dec) {
				t.Fatalf("code page %d: DecodeText(%q) = %q, not UTF-8", id, data, dec)
			}
		} else if !errors.Is(err, ErrInvalidValue) {
			t.Fatalf("code page %d: DecodeText: %v", id, err)
		}
		enc, err := s.EncodeText(text)
		if err != nil {
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("code page %d: EncodeText: %v", id, err)
			}
			return
		}
		dec, err := s.DecodeText(enc)
		if err != nil {
			t.Fatalf("code page %d: EncodeText(%q) = %q, which does not decode: %v", id, text, enc, err)
		}
		if again, err := s.EncodeText(dec); err != nil || string(again) != string(enc) {
			t.Fatalf("code page %d: %q encodes to %q, decodes to %q, re-encodes to %q (%v)", id, text, enc, dec, again, err)
		}
		if utf8.ValidString(text) && oneCodeEach(id, e == unicode.UTF8) && dec != text {
			t.Fatalf("code page %d: %q encodes to %q, decodes to %q", id, text, enc, dec)
		}
	})
}

// oneCodeEach reports whether code page id maps every character it has
// to one code and back.
func oneCodeEach(id int, utf8 bool) bool {
	switch {
	case utf8, id == 1200, id == 1201, id == 12000, id == 12001:
		return true
	case id == 932, id == 936, id == 949, id == 950, id == 50220, id == 51932, id == 51949, id == 52936, id == 54936:
		return false // CJK: several characters may share a code
	}
	return true
}
