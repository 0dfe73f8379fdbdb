package acme

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// Directories of Let's Encrypt.
const (
	// LetsEncrypt is Let's Encrypt's production directory, the default.
	LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
	// LetsEncryptStaging is Let's Encrypt's staging directory: higher rate
	// limits, certificates that no browser trusts. For trying a setup.
	LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"
)

// ALPNProto is the ALPN protocol of the CA's TLS-ALPN-01 validation
// handshakes (RFC 8737).
const ALPNProto = acme.ALPNProto

// Defaults of Options.
const (
	DefaultRetryMin = time.Minute
	DefaultRetryMax = time.Hour
	// DefaultAttemptTimeout bounds one attempt to obtain a certificate:
	// account, order, validations and issuance.
	DefaultAttemptTimeout = 5 * time.Minute
)

// Options configures a Manager.
type Options struct {
	// Names are the DNS names the certificate is for (at least one; no
	// IP addresses, no wildcards: those need the DNS-01 challenge, which
	// this package does not answer). The CA connects to each name, on
	// port 443 for Let's Encrypt, to validate it.
	Names []string
	// Directory is the URL of the CA's ACME directory (default
	// LetsEncrypt).
	Directory string
	// Email is the account's contact, for the CA's expiry notices;
	// optional.
	Email string
	// CacheDir keeps the account key and the certificate with its key
	// (required). Created 0700 if missing; files are written 0600.
	CacheDir string
	// RootCAs are the roots the directory's HTTPS certificate must chain
	// to (default: the system's roots). For a private or test CA.
	RootCAs *x509.CertPool
	// RenewBefore is how long before its expiry a certificate is renewed
	// (default: a third of its lifetime, at most 30 days). A value not
	// below the lifetime counts as the default.
	RenewBefore time.Duration
	// RetryMin and RetryMax bound the wait after a failed attempt: it is
	// RetryMin after the first failure and doubles after each other,
	// up to RetryMax (defaults DefaultRetryMin and DefaultRetryMax).
	RetryMin, RetryMax time.Duration
	// HTTP01 answers the HTTP-01 challenge instead of TLS-ALPN-01: the CA
	// then connects to each name on port 80, where HTTPHandler must be
	// served. For a server that does not listen on 443 itself.
	HTTP01 bool
	// OnCertificate, if set, is called with each certificate obtained
	// (not with one taken from the cache), from the Manager's goroutine,
	// once new handshakes use it.
	OnCertificate func(*tls.Certificate)
	// OnError, if set, is called after each failed attempt with its error
	// and how long until the next one, from the Manager's goroutine. The
	// certificate in use, if any, stays in use.
	OnError func(err error, retry time.Duration)
}

// A Manager obtains and renews the certificate of its Options' names; see
// the package documentation. Its methods are safe for concurrent use.
type Manager struct {
	opts   Options
	cache  autocert.DirCache
	hc     *http.Client
	cur    atomic.Pointer[tls.Certificate]
	ready  chan struct{} // closed when cur is first set
	readyO sync.Once

	mu         sync.Mutex
	tokens     map[string]*tls.Certificate // TLS-ALPN-01 answers, by name
	httpTokens map[string]string           // HTTP-01 answers, by path

	ctx       context.Context
	cancel    context.CancelFunc
	startOnce sync.Once
	done      chan struct{}
}

// New checks opts and returns a Manager holding the cached certificate of
// its names, if the cache has one that is valid now. It contacts no one:
// call Start once the server answers on its TLS port.
func New(opts Options) (*Manager, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	m := &Manager{
		opts:       opts,
		cache:      autocert.DirCache(opts.CacheDir),
		ready:      make(chan struct{}),
		tokens:     make(map[string]*tls.Certificate),
		httpTokens: make(map[string]string),
		done:       make(chan struct{}),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.hc = &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			TLSClientConfig:     &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: 10 * time.Second,
			IdleConnTimeout:     time.Minute,
		},
	}
	c, err := m.loadCert(m.ctx)
	if err != nil {
		return nil, err
	}
	if c != nil {
		m.set(c)
	}
	return m, nil
}

func (o *Options) check() error {
	if len(o.Names) == 0 {
		return errors.New("acme: Options.Names is empty: name the DNS names the certificate is for")
	}
	o.Names = slices.Clone(o.Names) // normalized below: not the caller's
	seen := make(map[string]bool)
	for i, n := range o.Names {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		switch {
		case n == "":
			return fmt.Errorf("acme: name %d is empty", i)
		case net.ParseIP(n) != nil:
			return fmt.Errorf("acme: %q is an IP address: ACME certificates here are for DNS names", n)
		case strings.Contains(n, "*"):
			return fmt.Errorf("acme: %q: wildcard names need the DNS-01 challenge, which this package does not answer", n)
		case strings.ContainsAny(n, "/\\ :"):
			return fmt.Errorf("acme: %q is not a DNS name", n)
		case seen[n]:
			return fmt.Errorf("acme: %q is named twice", n)
		}
		seen[n] = true
		o.Names[i] = n
	}
	if o.Directory == "" {
		o.Directory = LetsEncrypt
	}
	u, err := url.Parse(o.Directory)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("acme: directory %q: want an https:// URL, such as %s", o.Directory, LetsEncrypt)
	}
	if o.CacheDir == "" {
		return errors.New("acme: Options.CacheDir is empty: the certificate must be kept across restarts (CAs limit how often they issue one)")
	}
	if o.RenewBefore < 0 || o.RetryMin < 0 || o.RetryMax < 0 {
		return errors.New("acme: RenewBefore, RetryMin and RetryMax must not be negative")
	}
	if o.RetryMin == 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax == 0 {
		o.RetryMax = max(DefaultRetryMax, o.RetryMin)
	}
	if o.RetryMax < o.RetryMin {
		return fmt.Errorf("acme: RetryMax %v is below RetryMin %v", o.RetryMax, o.RetryMin)
	}
	return nil
}

// Start begins obtaining a certificate (when the cache had none) and
// renewing it, in a goroutine of the Manager, until Close. Calls after
// the first do nothing.
func (m *Manager) Start() {
	m.startOnce.Do(func() { go m.run() })
}

// Close stops the Manager's goroutine, cancelling an attempt under way,
// and waits for it. The certificate obtained last stays served.
func (m *Manager) Close() error {
	m.cancel()
	m.startOnce.Do(func() { close(m.done) }) // never started
	<-m.done
	m.hc.CloseIdleConnections()
	return nil
}

// Certificate returns the certificate in use, nil before the first one.
func (m *Manager) Certificate() *tls.Certificate { return m.cur.Load() }

// Wait returns the certificate in use once there is one, or ctx's error.
func (m *Manager) Wait(ctx context.Context) (*tls.Certificate, error) {
	select {
	case <-m.ready:
		return m.cur.Load(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// GetCertificate returns the certificate in use whatever the hello, and an
// error before the first one: it is meant for tls.Config.GetCertificate.
func (m *Manager) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := m.cur.Load(); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("acme: no certificate for %s yet: it is being obtained", strings.Join(m.opts.Names, ", "))
}

// TLSConfig returns a clone of base (nil: a zero tls.Config) that serves
// the Manager's certificate (GetCertificate; base's Certificates and
// GetCertificate are dropped) and answers the CA's TLS-ALPN-01 validation
// handshakes: a hello whose only ALPN protocol is "acme-tls/1" gets the
// challenge's certificate, every other hello goes to base's
// GetConfigForClient, if any, and base's settings. A tlskit server keeps
// its hooks: an OnSSLConnectionRequest that picks a certificate overrides
// the Manager's, except for validation handshakes, which are answered
// first. As the config has a GetConfigForClient, a server.Server refuses
// TLS settings changed later with Config: set them in base.
func (m *Manager) TLSConfig(base *tls.Config) *tls.Config {
	var cfg *tls.Config
	if base == nil {
		cfg = &tls.Config{}
	} else {
		cfg = base.Clone()
	}
	next := cfg.GetConfigForClient
	cfg.Certificates, cfg.GetCertificate = nil, m.GetCertificate
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == ALPNProto {
			return m.challengeConfig(hello)
		}
		if next != nil {
			return next(hello)
		}
		return nil, nil
	}
	return cfg
}

// challengeConfig answers a TLS-ALPN-01 validation handshake with the
// challenge certificate of its server name.
func (m *Manager) challengeConfig(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	m.mu.Lock()
	c := m.tokens[name]
	m.mu.Unlock()
	if c == nil {
		return nil, fmt.Errorf("acme: no TLS-ALPN-01 challenge pending for %q", hello.ServerName)
	}
	return &tls.Config{Certificates: []tls.Certificate{*c}, NextProtos: []string{ALPNProto}, MinVersion: tls.VersionTLS12}, nil
}

// HTTPHandler answers the CA's HTTP-01 validation requests (paths under
// /.well-known/acme-challenge/) and passes the others to fallback; a nil
// fallback redirects GET and HEAD requests to https:// and refuses the
// others. Serve it on port 80 with Options.HTTP01.
func (m *Manager) HTTPHandler(fallback http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			switch {
			case fallback != nil:
				fallback.ServeHTTP(w, r)
			case r.Method == http.MethodGet || r.Method == http.MethodHead:
				host, _, err := net.SplitHostPort(r.Host)
				if err != nil {
					host = r.Host
				}
				http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusFound)
			default:
				http.Error(w, "use HTTPS", http.StatusBadRequest)
			}
			return
		}
		m.mu.Lock()
		answer, ok := m.httpTokens[r.URL.Path]
		m.mu.Unlock()
		if !ok {
			http.Error(w, "no such challenge pending", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, answer)
	})
}

func (m *Manager) set(c *tls.Certificate) {
	m.cur.Store(c)
	m.readyO.Do(func() { close(m.ready) })
}

// run obtains a certificate when there is none or the current one is due
// for renewal, and waits otherwise; a failed attempt is retried with
// backoff.
func (m *Manager) run() {
	defer close(m.done)
	retry := m.opts.RetryMin
	for {
		wait := time.Duration(0)
		if c := m.cur.Load(); c != nil {
			wait = time.Until(m.renewAt(c.Leaf))
		}
		if wait <= 0 {
			c, err := m.attempt()
			switch {
			case err == nil:
				m.set(c)
				if m.opts.OnCertificate != nil {
					m.opts.OnCertificate(c)
				}
				retry = m.opts.RetryMin
				continue
			case m.ctx.Err() != nil:
				return
			}
			wait = retry
			retry = min(2*retry, m.opts.RetryMax)
			if m.opts.OnError != nil {
				m.opts.OnError(err, wait)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-m.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// renewAt is when the certificate leaf is renewed.
func (m *Manager) renewAt(leaf *x509.Certificate) time.Time {
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	before := min(life/3, 30*24*time.Hour)
	if m.opts.RenewBefore > 0 && m.opts.RenewBefore < life {
		before = m.opts.RenewBefore
	}
	return leaf.NotAfter.Add(-before)
}

// attempt obtains a certificate, within DefaultAttemptTimeout.
func (m *Manager) attempt() (*tls.Certificate, error) {
	ctx, cancel := context.WithTimeout(m.ctx, DefaultAttemptTimeout)
	defer cancel()
	c, err := m.obtain(ctx)
	if err != nil {
		return nil, fmt.Errorf("acme: obtaining a certificate for %s from %s: %w", strings.Join(m.opts.Names, ", "), m.opts.Directory, err)
	}
	return c, nil
}
