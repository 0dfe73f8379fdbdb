package socket

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// roundTripFunc is an http.RoundTripper that answers every request itself.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzRevocationResponse checks the handling of CRL and OCSP responses:
// it never panics; a response that is not signed by the issuer, is about
// another certificate, is not yet valid or has expired, or is garbage,
// says nothing (status unknown, with a reason); one that is valid says
// what it was signed to say. Each input is either the response's bytes as
// they are (raw) or a response made and signed from the other fields,
// then one of its bytes changed (flip, at flipAt, when flip is not 0).
func FuzzRevocationResponse(f *testing.F) {
	p := newPKIWithURLs(f, "", "")
	leafTLS := p.leaf(f, leafOpts{serial: revokedSerial})
	leaf, err := x509.ParseCertificate(leafTLS.Certificate[0])
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	// kind: 0 OCSP, 1 CRL. answer (status): 0 good, 1 revoked, 2 unknown.
	// thisMin, nextMin: ThisUpdate and NextUpdate in minutes from now
	// (nextMin 0: no NextUpdate). other: about another serial number.
	for _, seed := range []struct {
		kind, status     uint8
		thisMin, nextMin int16
		other            bool
	}{
		{0, 0, -1, 60, false}, {0, 1, -1, 60, false}, {0, 2, -1, 60, false}, {0, 0, -1, 60, true},
		{0, 0, -120, -60, false}, {0, 0, 60, 120, false}, {0, 0, -1, 0, false},
		{1, 0, -1, 60, false}, {1, 1, -1, 60, false}, {1, 1, -1, 60, true}, {1, 0, -120, -60, false}, {1, 0, 60, 120, false},
	} {
		f.Add(false, []byte(nil), seed.kind, seed.status, seed.thisMin, seed.nextMin, seed.other, uint16(0), byte(0))
	}
	f.Add(true, []byte("0\x82"), uint8(0), uint8(0), int16(0), int16(0), false, uint16(0), byte(0))
	f.Add(true, []byte{0x30, 0x03, 0x0a, 0x01, 0x00}, uint8(1), uint8(0), int16(0), int16(0), false, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, raw bool, der []byte, kind, answer uint8, thisMin, nextMin int16, other bool, flipAt uint16, flip byte) {
		kind, answer = kind%2, answer%3
		thisUpdate := now.Add(time.Duration(thisMin) * time.Minute)
		var nextUpdate time.Time
		if nextMin != 0 {
			nextUpdate = now.Add(time.Duration(nextMin) * time.Minute)
		}
		serial := leaf.SerialNumber
		if other {
			serial = new(big.Int).Add(serial, big.NewInt(1))
		}
		if !raw {
			var err error
			if der, err = makeResponse(p, kind, answer, serial, thisUpdate, nextUpdate); err != nil {
				return // a CRL ending before it begins cannot be made
			}
		}
		flipped := false
		if flip != 0 && len(der) > 0 {
			der = bytes.Clone(der)
			der[int(flipAt)%len(der)] ^= flip
			flipped = true
		}
		v := &verifier{now: func() time.Time { return now }, client: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(der)), Header: http.Header{"Content-Type": {ocspResponseMIME}}}, nil
		})}}
		var st status
		var why error
		if kind == 0 {
			st, why = ocspStatus(der, leaf, p.inter, now)
		} else {
			c := *leaf
			c.CRLDistributionPoints = []string{"http://crl.test/x.crl"}
			st, why = v.crlStatus(&c, p.inter)
		}
		if st == statusUnknown && why == nil {
			t.Fatal("status unknown without a reason")
		}
		if raw || flipped {
			if st != statusUnknown && !signedBy(kind, der, leaf, p.inter) {
				t.Fatalf("a response that is not signed by the issuer says %v", st)
			}
			return
		}
		want := []status{statusGood, statusRevoked, statusUnknown}[answer]
		if kind == 1 && answer == 2 {
			want = statusGood // a CRL knows every certificate it does not list
		}
		if kind == 1 && other && answer == 1 {
			want = statusGood // another certificate is revoked
		}
		if kind == 0 && other {
			want = statusUnknown
		}
		if thisUpdate.After(now.Add(revocationClockSkew)) || !nextUpdate.IsZero() && now.After(nextUpdate) {
			want = statusUnknown
		}
		if st != want {
			t.Fatalf("kind %d answer %d this %v next %v other %v: got %v (%v), want %v", kind, answer, thisUpdate, nextUpdate, other, st, why, want)
		}
	})
}

// makeResponse signs an OCSP response (kind 0) or a CRL (kind 1) about
// serial with the intermediate's key.
func makeResponse(p *testPKI, kind, status uint8, serial *big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	if kind == 0 {
		tmpl := ocsp.Response{SerialNumber: serial, ThisUpdate: thisUpdate, NextUpdate: nextUpdate,
			Status: []int{ocsp.Good, ocsp.Revoked, ocsp.Unknown}[status]}
		if status == 1 {
			tmpl.RevokedAt, tmpl.RevocationReason = thisUpdate, ocsp.KeyCompromise
		}
		return ocsp.CreateResponse(p.inter, p.inter, tmpl, p.interKey)
	}
	list := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
	if status == 1 {
		list.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: serial, RevocationTime: thisUpdate}}
	}
	return x509.CreateRevocationList(rand.Reader, list, p.inter, p.interKey)
}

// signedBy reports whether der is a response of the kind that issuer
// signed about cert (OCSP) or at all (CRL).
func signedBy(kind uint8, der []byte, cert, issuer *x509.Certificate) bool {
	if kind == 0 {
		_, err := ocsp.ParseResponseForCert(der, cert, issuer)
		return err == nil
	}
	crl, err := x509.ParseRevocationList(der)
	return err == nil && crl.CheckSignatureFrom(issuer) == nil
}
