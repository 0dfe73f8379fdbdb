package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/certs/acme"
)

// acmeFlags are serve's --acme flags: a certificate from an ACME CA.
type acmeFlags struct {
	names   []string
	dir     string
	staging bool
	email   string
	cache   string
	caRoot  string
	retry   time.Duration
	http    string // --acme-http: HTTP-01 on this address
}

// acmeFlagNames are the flags registered by acmeFlags.register; every one
// but --acme needs --acme.
var acmeFlagNames = []string{"acme", "acme-dir", "acme-staging", "acme-email", "acme-cache", "acme-ca-root", "acme-retry", "acme-http"}

func (f *acmeFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.names, "acme", nil, "obtain the certificate for these DNS names (comma-separated) from an ACME CA and renew it while serving; the CA validates each name by connecting to it on port 443 (TLS-ALPN-01; port 80 with --acme-http), so serve there")
	fl.StringVar(&f.dir, "acme-dir", acme.LetsEncrypt, "the ACME CA's directory URL")
	fl.BoolVar(&f.staging, "acme-staging", false, "use Let's Encrypt's staging directory (certificates no browser trusts, higher rate limits): for trying a setup")
	fl.StringVar(&f.email, "acme-email", "", "contact address given to the CA, for its expiry notices")
	fl.StringVar(&f.cache, "acme-cache", "", "directory keeping the account key and the certificate across restarts (default: tlskit/acme in the user's cache directory)")
	fl.DurationVar(&f.retry, "acme-retry", acme.DefaultRetryMin, "wait after a failed attempt to obtain the certificate; it doubles after each further failure, up to "+acme.DefaultRetryMax.String())
	fl.StringVar(&f.http, "acme-http", "", "answer the CA's HTTP-01 challenge on HOST:PORT (:80, where the CA connects; other requests there are redirected to https://) instead of TLS-ALPN-01 on the server's port")
	fl.StringVar(&f.caRoot, "acme-ca-root", "", "CA certificates (any format) the ACME directory's HTTPS certificate must chain to, for a private or test CA (default: the system's roots)")
}

// check rejects --acme-* without --acme, and --acme with another source
// of the certificate.
func (f *acmeFlags) check(cmd *cobra.Command) error {
	fl := cmd.Flags()
	if len(f.names) == 0 {
		if fl.Changed("acme") {
			return errors.New("--acme needs at least one DNS name")
		}
		for _, name := range acmeFlagNames[1:] {
			if fl.Changed(name) {
				return fmt.Errorf("--%s needs --acme NAME", name)
			}
		}
		return nil
	}
	for _, name := range []string{"cert", "key", "password", "subject", "store-type", "reload-cert"} {
		if fl.Changed(name) {
			return fmt.Errorf("--acme and --%s both choose the certificate: use one", name)
		}
	}
	if f.retry <= 0 {
		return errors.New("--acme-retry must be positive: a CA that fails would be asked again at once, and rate-limit the names")
	}
	if f.staging && fl.Changed("acme-dir") {
		return errors.New("--acme-staging and --acme-dir both choose the directory: use one")
	}
	return nil
}

// options turns the flags into the Manager's options, logging each
// certificate obtained and each failed attempt.
func (f *acmeFlags) options(log *slog.Logger) (acme.Options, error) {
	o := acme.Options{Names: f.names, Directory: f.dir, Email: f.email, CacheDir: f.cache,
		RetryMin: f.retry, RetryMax: max(acme.DefaultRetryMax, f.retry), HTTP01: f.http != ""}
	if f.staging {
		o.Directory = acme.LetsEncryptStaging
	}
	if o.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("--acme-cache: no default (%v): name a directory", err)
		}
		o.CacheDir = filepath.Join(dir, "tlskit", "acme")
	}
	if f.caRoot != "" {
		var err error
		if o.RootCAs, err = loadPool(f.caRoot, "--acme-ca-root"); err != nil {
			return o, err
		}
	}
	o.OnCertificate = func(c *tls.Certificate) {
		log.Info("certificate obtained", acmeCertAttrs(c)...)
	}
	o.OnError = func(err error, retry time.Duration) {
		log.Warn("certificate not obtained; the one in use, if any, stays", "err", err, "retry", retry)
	}
	return o, nil
}

func acmeCertAttrs(c *tls.Certificate) []any {
	info := certs.FromX509(c.Leaf)
	return []any{"names", strings.Join(c.Leaf.DNSNames, ","), "notAfter", c.Leaf.NotAfter.UTC().Format(time.RFC3339),
		"issuer", info.Issuer, "FingerprintSHA256", info.FingerprintSHA256}
}

// acmeTLS returns the server's TLS configuration, with the certificate
// from the Manager it returns, which the caller starts once the server
// listens, and closes. With --acme-http it also serves the Manager's
// HTTP-01 answers until the Manager is closed.
func (f *serveFlags) acmeTLS(log *slog.Logger) (*tls.Config, *acmeManager, error) {
	base, err := f.baseTLS()
	if err != nil {
		return nil, nil, err
	}
	o, err := f.acme.options(log)
	if err != nil {
		return nil, nil, err
	}
	m, err := acme.New(o)
	if err != nil {
		return nil, nil, fmt.Errorf("--acme: %w", err)
	}
	am := &acmeManager{Manager: m}
	if f.acme.http != "" {
		ln, err := net.Listen("tcp", f.acme.http)
		if err != nil {
			return nil, nil, fmt.Errorf("--acme-http: %w", err)
		}
		am.http = &http.Server{Handler: m.HTTPHandler(nil), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = am.http.Serve(ln) }()
		log.Info("HTTP-01 challenges", "listen", ln.Addr().String())
	}
	if c := m.Certificate(); c != nil {
		log.Info("certificate from the cache", append(acmeCertAttrs(c), "cache", o.CacheDir)...)
	} else {
		log.Info("obtaining a certificate", "names", strings.Join(o.Names, ","), "directory", o.Directory, "cache", o.CacheDir)
	}
	return m.TLSConfig(base), am, nil
}

// acmeManager is serve's Manager, with the HTTP server of --acme-http.
type acmeManager struct {
	*acme.Manager
	http *http.Server // nil without --acme-http
}

func (a *acmeManager) Close() error {
	if a.http != nil {
		_ = a.http.Close()
	}
	return a.Manager.Close()
}
