package server

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/socket"
)

func TestSSLClientAuthenticationOverridesBothWays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		trusted := p.leaf(t, "trusted client", true, "ecdsa")
		untrusted := selfSigned(t, "stranger")
		for _, tc := range []struct {
			name       string
			cert       tls.Certificate
			override   bool // the hook flips Accept
			wantStatus string
			wantOK     bool
		}{
			{"valid accepted", trusted, false, "OK", true},
			{"valid overruled", trusted, true, "OK", false},
			{"invalid rejected", untrusted, false, "x509:", false},
			{"invalid overruled", untrusted, true, "x509:", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				seen := make(chan *SSLClientAuthentication, 1)
				errs := make(chan *Error, 1)
				s := start(t, engine, Options{
					TLSConfig:              &tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool},
					SSLAuthenticateClients: true,
					Events: Events{
						OnSSLClientAuthentication: func(c *Conn, a *SSLClientAuthentication) {
							if tc.override {
								a.Accept = !a.Accept
							}
							seen <- a
						},
						OnError:  func(c *Conn, err error) { errs <- err.(*Error) },
						OnDataIn: func(c *Conn, text []byte, eol bool) { c.Send(text) },
					},
				})
				cfg := p.clientConfig()
				// Always present the certificate, even when its issuer is not
				// among the CAs the server names.
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tc.cert, nil }
				cfg.MaxVersion = tls.VersionTLS12 // the server's verdict is known at handshake end
				c, err := tls.Dial("tcp", s.Addr().String(), cfg)
				if err == nil {
					defer c.Close()
					c.Write([]byte("x"))
					_, err = io.ReadFull(c, make([]byte, 1))
				}
				a := <-seen
				if !strings.HasPrefix(a.Status, tc.wantStatus) || a.CertSubject == "" || len(a.CertEncoded) == 0 {
					t.Fatalf("hook saw status %q subject %q", a.Status, a.CertSubject)
				}
				if (err == nil) != tc.wantOK {
					t.Fatalf("client result %v, want ok=%v", err, tc.wantOK)
				}
				if !tc.wantOK {
					if e := <-errs; Code(e) != 280 {
						t.Fatalf("Error event %v, want code 280", e)
					}
				}
			})
		}
	})
}

// A client without a certificate, when one is required, fails the
// handshake with ErrClientCertNotPresent (281), which is a handshake
// failure too, as OnError and OnDisconnected report.
func TestSSLClientAuthRequiredWithoutHook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(tls.VersionName(version), func(t *testing.T) {
				p := getPKI(t)
				errs := make(chan *Error, 1)
				gone := make(chan error, 1)
				s := start(t, engine, Options{
					TLSConfig:              &tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool},
					SSLAuthenticateClients: true,
					Events: Events{
						OnError:        func(c *Conn, err error) { errs <- err.(*Error) },
						OnDisconnected: func(c *Conn, err error) { gone <- err },
					},
				})
				cfg := p.clientConfig()
				cfg.MaxVersion = version
				c, err := tls.Dial("tcp", s.Addr().String(), cfg)
				if err == nil {
					_, err = c.Read(make([]byte, 1)) // TLS 1.3: the alert arrives after
					c.Close()
				}
				if err == nil {
					t.Fatal("a client without a certificate was accepted")
				}
				e := <-errs
				if Code(e) != 281 || !errors.Is(e, ErrClientCertNotPresent) || !errors.Is(e, ErrHandshake) ||
					!errors.Is(e, socket.ErrHandshake) || e.Op != "handshake" || e.ConnID == 0 {
					t.Fatalf("Error event %v (code %d), want ErrClientCertNotPresent (281)", e, Code(e))
				}
				if err := <-gone; !errors.Is(err, ErrClientCertNotPresent) {
					t.Fatalf("OnDisconnected %v, want ErrClientCertNotPresent", err)
				}
			})
		}
	})
}

func TestSSLConnectionRequestChoosesCertificateBySNI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		ecCert := p.leaf(t, "ec.test", false, "ecdsa", "ec.test")
		rsaCert := p.leaf(t, "rsa.test", false, "rsa", "rsa.test")
		var mu sync.Mutex
		var reqs []*SSLConnectionRequest
		s := start(t, engine, Options{
			TLSConfig: &tls.Config{}, // no default certificate: the hook must choose
			Events: Events{OnSSLConnectionRequest: func(c *Conn, r *SSLConnectionRequest) {
				mu.Lock()
				reqs = append(reqs, r)
				mu.Unlock()
				switch r.ServerName {
				case "ec.test":
					r.Certificate = &ecCert
				case "rsa.test":
					r.Certificate = &rsaCert
				}
			}},
		})
		for _, name := range []string{"ec.test", "rsa.test"} {
			cfg := p.clientConfig()
			cfg.ServerName = name
			cfg.NextProtos = []string{"echo/1", "h2"}
			c, err := tls.Dial("tcp", s.Addr().String(), cfg)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if cn := c.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != name {
				t.Fatalf("SNI %s got certificate %s", name, cn)
			}
			c.Close()
		}
		mu.Lock()
		defer mu.Unlock()
		r := reqs[0]
		if len(r.ALPN) != 2 || r.ALPN[0] != "echo/1" || !strings.Contains(r.SupportedCipherSuites, "TLS_AES_128_GCM_SHA256") ||
			r.SupportedSignatureAlgs == "" || len(r.SupportedVersions) == 0 {
			t.Fatalf("request %+v", r)
		}
	})
}

func TestSSLStatusMessages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		var mu sync.Mutex
		var msgs []string
		connected := make(chan struct{})
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), Events: Events{
			OnSSLStatus: func(c *Conn, m string) {
				mu.Lock()
				msgs = append(msgs, m)
				mu.Unlock()
			},
			OnConnected: func(c *Conn) { close(connected) },
		}})
		c := dialTLS(t, s, p.clientConfig())
		c.Handshake()
		<-connected
		mu.Lock()
		defer mu.Unlock()
		all := strings.Join(msgs, "\n")
		for _, want := range []string{"handshake started", "ClientHello received: server name \"localhost\"", "handshake complete: TLS 1.3"} {
			if !strings.Contains(all, want) {
				t.Fatalf("SSLStatus messages lack %q:\n%s", want, all)
			}
		}
	})
}

func TestHandshakeStallDropped(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		errs := make(chan *Error, 1)
		disc := make(chan int, 1)
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), DefaultConnectionTimeout: 200 * time.Millisecond, Events: Events{
			OnError:        func(c *Conn, err error) { errs <- err.(*Error) },
			OnDisconnected: func(c *Conn, err error) { disc <- Code(err) },
		}})
		c := dial(t, s)
		c.Write([]byte{0x16, 0x03, 0x01}) // a record header cut short, then silence
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		began := time.Now()
		_, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server kept a stalled handshake open")
		}
		if d := time.Since(began); d > 3*time.Second {
			t.Fatalf("dropped after %v", d)
		}
		if e := <-errs; Code(e) != 10060 {
			t.Fatalf("Error %v, want 10060", e)
		}
		if code := <-disc; code != 10060 {
			t.Fatalf("Disconnected code %d", code)
		}
		waitFor(t, "no live connection", func() bool { return s.ConnectionCount() == 0 })
	})
}

func TestGarbageInsteadOfClientHello(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		errs := make(chan *Error, 1)
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), Events: Events{
			OnError: func(c *Conn, err error) { errs <- err.(*Error) },
		}})
		c := dial(t, s)
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		io.Copy(io.Discard, c)
		e := <-errs
		if Code(e) != 276 || !errors.Is(e, ErrHandshake) {
			t.Fatalf("Error %v, want 276", e)
		}
	})
}

func TestNoLeakAfterManyConnections(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		before := fdCount(t)
		s, err := New(Options{LocalHost: "127.0.0.1", Engine: Engine(engine), TLSConfig: p.serverConfig(),
			DefaultConnectionTimeout: time.Second, Events: echoEvents()})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartListening(); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				raw, err := net.Dial("tcp", s.Addr().String())
				if err != nil {
					t.Error(err)
					return
				}
				defer raw.Close()
				switch i % 3 {
				case 0: // a proper client
					c := tls.Client(raw, p.clientConfig())
					c.Write([]byte("hi"))
					io.ReadFull(c, make([]byte, 2))
				case 1: // garbage
					raw.Write([]byte("garbage garbage garbage"))
					io.Copy(io.Discard, raw)
				case 2: // leaves mid-handshake
					raw.Write([]byte{0x16, 0x03})
				}
			}()
		}
		wg.Wait()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "fd count back to baseline", func() bool { return fdCount(t) <= before })
	})
}
