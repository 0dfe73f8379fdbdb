package ws

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestOriginPolicyCheck(t *testing.T) {
	t.Parallel()
	p, err := newOriginPolicy([]string{"*.Example.com", "localhost:*", "https://app.test"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		origin, host string
		ok           bool
	}{
		{"", "srv.test", true},                          // not a browser
		{"https://srv.test", "srv.test", true},          // same origin
		{"http://SRV.test:8443", "srv.test:8443", true}, // hosts compare case-insensitively
		{"https://evil.test", "srv.test", false},
		{"https://srv.test.evil.test", "srv.test", false},
		{"https://a.example.com", "srv.test", true},
		{"https://example.com", "srv.test", false},
		{"http://localhost:3000", "srv.test", true},
		{"https://app.test", "srv.test", true},
		{"http://app.test", "srv.test", false}, // the pattern names the scheme
		{"null", "srv.test", false},
		{"::bad", "srv.test", false},
	} {
		if err := p.check(tc.origin, tc.host); (err == nil) != tc.ok {
			t.Errorf("Origin %q Host %q: %v, want ok=%v", tc.origin, tc.host, err, tc.ok)
		}
	}
	var off *originPolicy
	if off, err = newOriginPolicy(nil, true); err != nil || off.check("https://evil.test", "srv.test") != nil {
		t.Errorf("InsecureSkipOriginCheck still checks: %v", err)
	}
	if _, err := newOriginPolicy([]string{"[bad"}, false); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("bad pattern: %v, want ErrInvalidValue", err)
	}
}

// The Origin check is on by default for Server and Handler: a page of
// another origin gets 403, the same origin, no Origin at all and an
// allowed pattern get in, and InsecureSkipOriginCheck lets anyone in.
func TestOriginCheckByDefault(t *testing.T) {
	t.Parallel()
	type ways struct {
		name string
		url  func(t *testing.T, patterns []string, skip bool) string
	}
	for _, w := range []ways{
		{"Server", func(t *testing.T, patterns []string, skip bool) string {
			return startServer(t, Options{OriginPatterns: patterns, InsecureSkipOriginCheck: skip}).URL()
		}},
		{"Handler", func(t *testing.T, patterns []string, skip bool) string {
			h, err := NewHandler(HandlerOptions{OriginPatterns: patterns, InsecureSkipOriginCheck: skip}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return "ws://" + startHandler(t, h) + "/"
		}},
	} {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name     string
				patterns []string
				skip     bool
				origin   string // "SELF": the server's own origin
				status   int    // 0: accepted
			}{
				{name: "cross-origin", origin: "https://evil.example", status: http.StatusForbidden},
				{name: "same origin", origin: "SELF"},
				{name: "no Origin"},
				{name: "allowed pattern", patterns: []string{"*.example"}, origin: "https://app.example"},
				{name: "pattern does not match", patterns: []string{"*.example"}, origin: "https://example.org", status: http.StatusForbidden},
				{name: "InsecureSkipOriginCheck", skip: true, origin: "https://evil.example"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					url := w.url(t, tc.patterns, tc.skip)
					origin := tc.origin
					if origin == "SELF" {
						origin = "http://" + strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					c, err := Dial(ctx, url, &DialOptions{Origin: origin})
					if tc.status == 0 {
						if err != nil {
							t.Fatalf("Origin %q refused: %v", origin, err)
						}
						_ = c.Disconnect()
						<-c.Done()
						return
					}
					var he *HandshakeError
					if !errors.As(err, &he) || he.Status != tc.status {
						if err == nil {
							c.Disconnect()
							<-c.Done()
						}
						t.Fatalf("Origin %q: %v, want HTTP %d", origin, err, tc.status)
					}
				})
			}
		})
	}
}

// FuzzOriginCheck: the check never panics; without patterns it accepts
// exactly an absent Origin and one whose host is the request's; a pattern
// that is the Origin's own host accepts it.
func FuzzOriginCheck(f *testing.F) {
	f.Add("https://a.example", "a.example", "*.example")
	f.Add("http://[::1]:80", "[::1]:80", "")
	f.Add("null", "x", "[")
	f.Add("", "h", "*")
	f.Fuzz(func(t *testing.T, origin, host, pattern string) {
		p, err := newOriginPolicy(nil, false)
		if err != nil {
			t.Fatal(err)
		}
		err = p.check(origin, host)
		u, perr := url.Parse(origin)
		same := perr == nil && u.Host != "" && strings.EqualFold(u.Host, host)
		if (err == nil) != (origin == "" || same) {
			t.Fatalf("Origin %q Host %q: %v", origin, host, err)
		}
		if pp, err := newOriginPolicy([]string{pattern}, false); err == nil {
			_ = pp.check(origin, host)
			if perr == nil && u.Host != "" && !strings.ContainsAny(u.Host, `*?[\`) {
				if own, _ := newOriginPolicy([]string{u.Host}, false); own != nil && own.check(origin, "other.invalid") != nil {
					t.Fatalf("pattern %q does not accept its own Origin %q", u.Host, origin)
				}
			}
		}
	})
}
