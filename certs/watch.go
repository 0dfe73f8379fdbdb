package certs

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWatchInterval is how often a Watcher checks its files.
const DefaultWatchInterval = time.Second

// WatchOptions configures Watch.
type WatchOptions struct {
	// Options says how the files are read: password, store type, subject.
	Options Options
	// Interval is how often the files are checked for a change (default
	// DefaultWatchInterval). Each check reads them and compares their
	// contents, so that a rewrite in place, a rename over them or a new
	// symbolic link target are all seen.
	Interval time.Duration
	// OnReload, if set, is called after each reload that succeeded (not
	// after the first load), from the Watcher's goroutine.
	OnReload func(*tls.Certificate)
	// OnError, if set, is called when changed files do not load (a
	// half-written pair, a wrong password ...), from the Watcher's
	// goroutine; the certificate loaded last stays in use, and the files
	// are tried again at their next change. A file that cannot be read
	// (removed, not yet renamed into place) is reported at every check
	// until it can be read again.
	OnError func(error)
}

// A Watcher keeps a certificate and its key loaded from files, and loads
// them again when they change, so that a server follows a renewed
// certificate without a restart: give its tls.Config the
// Watcher's GetCertificate. New handshakes then use the certificate
// loaded last; connections already open are untouched.
type Watcher struct {
	certPath, keyPath string
	opts              WatchOptions
	cur               atomic.Pointer[tls.Certificate]
	sum               [sha256.Size]byte // of the files as last read
	stop              chan struct{}
	done              chan struct{}
	closeOnce         sync.Once
}

// Watch loads the certificate of certPath (any format Load reads), with
// its private key from keyPath, or from certPath itself when keyPath is
// "", and keeps it up to date until Close. It fails as Load and LoadPair
// do when the files do not give a certificate with its private key now.
func Watch(certPath, keyPath string, opts WatchOptions) (*Watcher, error) {
	if opts.Interval < 0 {
		return nil, fmt.Errorf("certs: WatchOptions.Interval %v is negative", opts.Interval)
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultWatchInterval
	}
	w := &Watcher{certPath: certPath, keyPath: keyPath, opts: opts, stop: make(chan struct{}), done: make(chan struct{})}
	sum, err := w.fingerprint()
	if err != nil {
		return nil, err
	}
	c, err := w.load()
	if err != nil {
		return nil, err
	}
	w.cur.Store(c)
	w.sum = sum
	go w.run()
	return w, nil
}

// Certificate returns the certificate loaded last.
func (w *Watcher) Certificate() *tls.Certificate { return w.cur.Load() }

// GetCertificate returns the certificate loaded last, whatever the hello:
// it is meant for tls.Config.GetCertificate.
func (w *Watcher) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return w.cur.Load(), nil
}

// Close stops watching and waits for the Watcher's goroutine to end. The
// certificate loaded last stays available. Close may be called more than
// once.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { close(w.stop) })
	<-w.done
	return nil
}

func (w *Watcher) run() {
	defer close(w.done)
	tick := time.NewTicker(w.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		w.check()
	}
}

// check reloads the files if their contents changed since they were last
// read.
func (w *Watcher) check() {
	sum, err := w.fingerprint()
	if err == nil && sum == w.sum {
		return
	}
	var c *tls.Certificate
	if err == nil {
		w.sum = sum // a pair that does not load is not tried again until it changes
		c, err = w.load()
	}
	if err != nil {
		if w.opts.OnError != nil {
			w.opts.OnError(err)
		}
		return
	}
	w.cur.Store(c)
	if w.opts.OnReload != nil {
		w.opts.OnReload(c)
	}
}

// fingerprint hashes the files' contents.
func (w *Watcher) fingerprint() ([sha256.Size]byte, error) {
	h := sha256.New()
	for _, p := range []string{w.certPath, w.keyPath} {
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return [sha256.Size]byte{}, newError("watch", ErrCannotOpenStore, "cannot read "+p, err)
		}
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

func (w *Watcher) load() (*tls.Certificate, error) {
	var c *Certificate
	var err error
	if w.keyPath == "" {
		c, err = Load(w.certPath, w.opts.Options)
	} else {
		c, err = LoadPair(w.certPath, w.keyPath, w.opts.Options)
	}
	if err != nil {
		return nil, err
	}
	tc, err := c.TLSCertificate()
	if err != nil {
		return nil, err
	}
	return &tc, nil
}
