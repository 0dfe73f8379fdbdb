package socket

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/tlskit/tlskit/internal/testpeer"
)

const revokedSerial = 999_999

// revocationResponder serves CRLs and OCSP answers for p. Paths:
// /crl/{good,revoked,unknown} and /ocsp/{good,revoked,unknown} for leaves
// (signed by the intermediate; "unknown" is a 404 for CRLs and an OCSP
// "unknown"), and /crl/inter, /ocsp/inter for the intermediate (signed by
// the root, always good).
type revocationResponder struct {
	p *testPKI
}

func (r *revocationResponder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	kind, status, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	issuer, key := r.p.inter, r.p.interKey
	if status == "inter" {
		issuer, key, status = r.p.root, r.p.rootKey, "good"
	}
	now := time.Now()
	switch kind {
	case "crl":
		if status == "unknown" {
			http.NotFound(w, req)
			return
		}
		list := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
		if status == "revoked" {
			list.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: big.NewInt(revokedSerial), RevocationTime: now.Add(-time.Minute)}}
		}
		der, err := x509.CreateRevocationList(rand.Reader, list, issuer, key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(der)
	case "ocsp":
		body, _ := io.ReadAll(req.Body)
		ocspReq, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		tmpl := ocsp.Response{SerialNumber: ocspReq.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
		switch status {
		case "good":
			tmpl.Status = ocsp.Good
		case "revoked":
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, now.Add(-time.Minute), ocsp.KeyCompromise
		default:
			tmpl.Status = ocsp.Unknown
		}
		der, err := ocsp.CreateResponse(issuer, issuer, tmpl, key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(der)
	default:
		http.NotFound(w, req)
	}
}

// serveTLSOnce accepts one TLS connection with cert and completes the
// handshake; it returns the port.
func serveTLSOnce(t *testing.T, cert tls.Certificate) int {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.(*tls.Conn).Handshake()
		c.Read(make([]byte, 1))
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestRevocationModes(t *testing.T) {
	t.Parallel()
	r := &revocationResponder{}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.p = newPKIWithURLs(t, srv.URL+"/crl/inter", srv.URL+"/ocsp/inter")
	unreachable := "http://127.0.0.1:" + strconv.Itoa(testpeer.FreePort(t))

	type outcome int
	const (
		pass outcome = iota
		revoked
		unknown
	)
	statuses := []struct {
		name string
		url  func(kind string) string
		want [3]outcome // by mode 0, 1, 2
	}{
		{name: "good", url: func(k string) string { return srv.URL + "/" + k + "/good" }, want: [3]outcome{pass, pass, pass}},
		{name: "revoked", url: func(k string) string { return srv.URL + "/" + k + "/revoked" }, want: [3]outcome{pass, revoked, revoked}},
		{name: "unknown", url: func(k string) string { return srv.URL + "/" + k + "/unknown" }, want: [3]outcome{pass, pass, unknown}},
		{name: "unreachable", url: func(k string) string { return unreachable + "/" + k }, want: [3]outcome{pass, pass, unknown}},
	}
	for _, kind := range []string{"crl", "ocsp"} {
		for _, st := range statuses {
			for mode := RevocationOff; mode <= RevocationRequire; mode++ {
				t.Run(kind+"/"+st.name+"/"+mode.String(), func(t *testing.T) {
					t.Parallel()
					o := leafOpts{serial: revokedSerial}
					opts := TLSOptions{CA: [][]byte{r.p.root.Raw}, HTTPClient: &http.Client{Timeout: 5 * time.Second}}
					if kind == "crl" {
						o.crlURL, opts.CRLCheck = st.url(kind), mode
					} else {
						o.ocspURL, opts.OCSPCheck = st.url(kind), mode
					}
					port := serveTLSOnce(t, r.p.leaf(t, o))
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port, Secure: true, TLS: opts})
					if err == nil {
						s.Close()
					}
					switch st.want[mode] {
					case pass:
						if err != nil {
							t.Fatalf("refused: %v", err)
						}
					case revoked:
						if !errors.Is(err, ErrRevoked) || !errors.Is(err, ErrVerify) {
							t.Fatalf("got %v, want a revocation refusal (280)", err)
						}
					case unknown:
						if !errors.Is(err, ErrRevocationUnknown) || !errors.Is(err, ErrVerify) {
							t.Fatalf("got %v, want an unknown-status refusal (280)", err)
						}
					}
				})
			}
		}
	}

	t.Run("IgnoreUnknownRevocation", func(t *testing.T) {
		t.Parallel()
		port := serveTLSOnce(t, r.p.leaf(t, leafOpts{ocspURL: unreachable + "/ocsp"}))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port, Secure: true, TLS: TLSOptions{
			CA: [][]byte{r.p.root.Raw}, OCSPCheck: RevocationRequire, SecurityFlags: IgnoreUnknownRevocation}})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
}
