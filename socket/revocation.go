package socket

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// RevocationMode says whether and how strictly the revocation status of
// the server's certificate and intermediates is checked, by CRL
// (TLSOptions.CRLCheck) or OCSP (TLSOptions.OCSPCheck).
type RevocationMode int

const (
	// RevocationOff (0, the default) does not check.
	RevocationOff RevocationMode = iota
	// RevocationCheck (1) refuses a certificate that is revoked, and
	// accepts it when the status cannot be learned (no URL, responder
	// unreachable, "unknown" answer): soft fail.
	RevocationCheck
	// RevocationRequire (2) refuses a certificate that is revoked or whose
	// status cannot be learned (hard fail), unless SecurityFlags has
	// IgnoreUnknownRevocation (server certificate) or
	// IgnoreUnknownCARevocation (intermediates).
	RevocationRequire
)

func (m RevocationMode) String() string {
	switch m {
	case RevocationOff:
		return "off"
	case RevocationCheck:
		return "check"
	case RevocationRequire:
		return "require"
	}
	return fmt.Sprintf("RevocationMode(%d)", int(m))
}

func (m RevocationMode) check(field string) error {
	if m < RevocationOff || m > RevocationRequire {
		return fmt.Errorf("%w: %s %d (0 off, 1 check, 2 require)", ErrUnsupported, field, int(m))
	}
	return nil
}

const (
	maxCRLSize        = 16 << 20
	maxOCSPSize       = 1 << 20
	revocationTimeout = 10 * time.Second
	ocspRequestMIME   = "application/ocsp-request"
	ocspResponseMIME  = "application/ocsp-response"
)

// status is what one source says about one certificate.
type status int

const (
	statusUnknown status = iota
	statusGood
	statusRevoked
)

// checkRevocation applies the CRL and OCSP modes to every certificate of
// chain but the root. stapled is the server's stapled OCSP response.
func (v *verifier) checkRevocation(chain []*x509.Certificate, stapled []byte) error {
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		ignoreUnknown := v.flags&IgnoreUnknownRevocation != 0
		if i > 0 {
			ignoreUnknown = v.flags&IgnoreUnknownCARevocation != 0
		}
		if v.crl != RevocationOff {
			st, why := v.crlStatus(cert, issuer)
			if err := decide("CRL", v.crl, st, why, ignoreUnknown, cert); err != nil {
				return err
			}
		}
		if v.ocsp != RevocationOff {
			var st status
			var why error
			if i == 0 && len(stapled) > 0 {
				st, why = ocspStatus(stapled, cert, issuer, v.time())
			}
			if st == statusUnknown {
				st, why = v.ocspStatus(cert, issuer)
			}
			if err := decide("OCSP", v.ocsp, st, why, ignoreUnknown, cert); err != nil {
				return err
			}
		}
	}
	return nil
}

// decide turns a status into the verdict of mode.
func decide(source string, mode RevocationMode, st status, why error, ignoreUnknown bool, cert *x509.Certificate) error {
	switch {
	case st == statusRevoked:
		return fmt.Errorf("%w: %s says %q (serial %X) is revoked", ErrRevoked, source, cert.Subject.CommonName, cert.SerialNumber)
	case st == statusGood, mode == RevocationCheck, ignoreUnknown:
		return nil
	}
	return fmt.Errorf("%w: %s for %q: %v", ErrRevocationUnknown, source, cert.Subject.CommonName, why)
}

func (v *verifier) httpClient() *http.Client {
	if v.client != nil {
		return v.client
	}
	return &http.Client{Timeout: revocationTimeout}
}

func (v *verifier) context() context.Context {
	if v.ctx != nil {
		return v.ctx
	}
	return context.Background()
}

func (v *verifier) time() time.Time {
	if v.now != nil {
		return v.now()
	}
	return time.Now()
}

// crlStatus looks cert up in the CRLs its distribution points name.
func (v *verifier) crlStatus(cert, issuer *x509.Certificate) (status, error) {
	var why error = errors.New("the certificate names no HTTP CRL distribution point")
	for _, url := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			continue
		}
		der, err := v.fetch(http.MethodGet, url, nil, maxCRLSize)
		if err != nil {
			why = err
			continue
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			why = fmt.Errorf("CRL from %s: %w", url, err)
			continue
		}
		if err := crl.CheckSignatureFrom(issuer); err != nil {
			why = fmt.Errorf("CRL from %s is not signed by the issuer: %w", url, err)
			continue
		}
		if err := current(crl.ThisUpdate, crl.NextUpdate, v.time()); err != nil {
			why = fmt.Errorf("CRL from %s %w", url, err)
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return statusRevoked, nil
			}
		}
		return statusGood, nil
	}
	return statusUnknown, why
}

// ocspStatus asks cert's OCSP responders.
func (v *verifier) ocspStatus(cert, issuer *x509.Certificate) (status, error) {
	var why error = errors.New("the certificate names no OCSP responder")
	if len(cert.OCSPServer) == 0 {
		return statusUnknown, why
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return statusUnknown, err
	}
	for _, url := range cert.OCSPServer {
		body, err := v.fetch(http.MethodPost, url, req, maxOCSPSize)
		if err != nil {
			why = err
			continue
		}
		st, err := ocspStatus(body, cert, issuer, v.time())
		if st != statusUnknown {
			return st, nil
		}
		why = fmt.Errorf("OCSP responder %s: %w", url, err)
	}
	return statusUnknown, why
}

// ocspStatus reads a DER OCSP response about cert, valid at now: one
// issued in the future or past its NextUpdate says nothing (an old "good"
// could be replayed after a revocation).
func ocspStatus(der []byte, cert, issuer *x509.Certificate, now time.Time) (status, error) {
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		return statusUnknown, err
	}
	if err := current(resp.ThisUpdate, resp.NextUpdate, now); err != nil {
		return statusUnknown, fmt.Errorf("OCSP response %w", err)
	}
	switch resp.Status {
	case ocsp.Good:
		return statusGood, nil
	case ocsp.Revoked:
		return statusRevoked, nil
	}
	return statusUnknown, errors.New("the responder does not know the certificate")
}

// revocationClockSkew is how far in the future a CRL's or OCSP response's
// ThisUpdate may be: the issuer's clock may be ahead of ours.
const revocationClockSkew = 5 * time.Minute

// current checks a CRL's or OCSP response's validity period at now (a
// zero nextUpdate: no end).
func current(thisUpdate, nextUpdate, now time.Time) error {
	if thisUpdate.After(now.Add(revocationClockSkew)) {
		return fmt.Errorf("is not valid before %s", thisUpdate.UTC().Format(time.RFC3339))
	}
	if !nextUpdate.IsZero() && now.After(nextUpdate) {
		return fmt.Errorf("expired on %s", nextUpdate.UTC().Format(time.RFC3339))
	}
	return nil
}

// fetch performs one HTTP request and returns the body of a 200 answer.
func (v *verifier) fetch(method, url string, body []byte, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(v.context(), revocationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", ocspRequestMIME)
		req.Header.Set("Accept", ocspResponseMIME)
	}
	resp, err := v.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %s", method, url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s: answer larger than %d bytes", method, url, limit)
	}
	return data, nil
}
