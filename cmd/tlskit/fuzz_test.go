package main

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseConnectURL checks connect's URL parser: no panic; an accepted
// URL has a known scheme, a port from 1 to 65535 (the scheme's default
// when it has none), the host url.Parse sees, and (tcp, tls) no path or
// query; a rejected one gets an error that quotes it.
func FuzzParseConnectURL(f *testing.F) {
	for _, s := range []string{"tcp://127.0.0.1:7", "tls://[::1]:8443", "ws://example.com/chat?x=1", "wss://h", "wss://h:0",
		"tcp://h:65536", "tcp://h:1/x", "ws://u:p@h:1/", "ws://h:1/#f", "http://h:1", "tcp://:80", "tcp://[fe80::1%25eth0]:1", "%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := parseConnectURL(raw)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(raw)) {
				t.Fatalf("parseConnectURL(%q): %v: the error does not quote the URL", raw, err)
			}
			return
		}
		sc, ok := connectSchemes[tg.scheme]
		if !ok || sc.secure != tg.secure {
			t.Fatalf("parseConnectURL(%q) = %+v: scheme", raw, tg)
		}
		if tg.port < 1 || tg.port > 65535 {
			t.Fatalf("parseConnectURL(%q) = %+v: port", raw, tg)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("parseConnectURL(%q) accepted what url.Parse rejects: %v", raw, err)
		}
		if u.Hostname() != tg.host || u.User != nil || u.Fragment != "" {
			t.Fatalf("parseConnectURL(%q) = %+v; url.Parse: host %q", raw, tg, u.Hostname())
		}
		if u.Port() == "" && tg.port != sc.defaultPort {
			t.Fatalf("parseConnectURL(%q) = %+v: no port in the URL, default %d", raw, tg, sc.defaultPort)
		}
		if !sc.websocket && (u.Path != "" && u.Path != "/" || u.RawQuery != "") {
			t.Fatalf("parseConnectURL(%q) accepted a path or query for %s", raw, tg.scheme)
		}
	})
}

// FuzzParseListen checks the --listen parser: no panic; an accepted
// address has a port from 0 to 65535, IPv6 only for an IPv6 literal, and
// parses again, written back as HOST:PORT, to the same.
func FuzzParseListen(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8443", "[::1]:0", ":8443", "[::ffff:1.2.3.4]:1", "localhost:65535", "h:65536", "h:-1", "h:+1", "[fe80::1%eth0]:1", "::1:80", "", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, port, v6, err := parseListen(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("parseListen(%q): %v: the error does not quote the address", s, err)
			}
			return
		}
		if port < 0 || port > 65535 || v6 != 0 && v6 != 1 {
			t.Fatalf("parseListen(%q) = %q, %d, %d", s, host, port, v6)
		}
		if v6 == 1 && !strings.Contains(host, ":") {
			t.Fatalf("parseListen(%q): IPv6 for host %q", s, host)
		}
		h2, p2, v62, err := parseListen(net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil || h2 != host || p2 != port || v62 != v6 {
			t.Fatalf("parseListen(%q) = %q, %d, %d; written back: %q, %d, %d, %v", s, host, port, v6, h2, p2, v62, err)
		}
	})
}

// FuzzCheckPath checks the --path check: an accepted path is absolute,
// has no query, fragment or blanks, and is the path of itself as a URL.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/", "/ws", "/a/b%20c", "ws", "/x?y", "/x#y", "/a b", "//h/p", "/%zz", "/é", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkPath(p) != nil {
			return
		}
		u, err := url.Parse(p)
		if err != nil || !strings.HasPrefix(p, "/") || u.Path != p || u.RawQuery != "" || u.Fragment != "" || u.Host != "" ||
			strings.ContainsAny(p, " \t\r\n?#") {
			t.Fatalf("checkPath accepted %q (url.Parse: %+v, %v)", p, u, err)
		}
	})
}

// FuzzHeader checks the --header parser: an accepted "Name: value" is one
// header whose name and value go through an HTTP request unchanged
// (written, then read back by net/textproto); a rejected one gets an
// error that names the flag.
func FuzzHeader(f *testing.F) {
	for _, s := range []string{"Authorization: Bearer x", "x-a:b", "A: b\r\nEvil: 1", "A: b\x00", "no colon", ": v", "A B: c", "Ä: b", "A:", "A:  spaced  ", "A: é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, kv string) {
		h, err := (&wsFlags{headers: []string{kv}}).header()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--header ") {
				t.Fatalf("header(%q): %v", kv, err)
			}
			return
		}
		if len(h) != 1 {
			t.Fatalf("header(%q) = %v, want one header", kv, h)
		}
		var b bytes.Buffer
		b.WriteString("GET / HTTP/1.1\r\nHost: h\r\n")
		if err := h.Write(&b); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\r\n")
		req, err := http.ReadRequest(bufio.NewReader(&b))
		if err != nil {
			t.Fatalf("header(%q) = %v, which makes a request net/http rejects: %v", kv, h, err)
		}
		for k, vs := range h {
			got := req.Header[textproto.CanonicalMIMEHeaderKey(k)]
			if len(got) != 1 || got[0] != vs[0] {
				t.Fatalf("header(%q) = %q: %q, read back %q", kv, k, vs, got)
			}
		}
		if len(req.Header) != 1 {
			t.Fatalf("header(%q) = %v, read back %v", kv, h, req.Header)
		}
	})
}
