package epoll

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(clientEnv) != "" {
		os.Exit(clientProcess())
	}
	goleak.VerifyTestMain(m)
}

// recorder is a Handler that records callbacks and, with echo, writes
// every received byte back (from the loop, as a handler may).
type recorder struct {
	c    engine.Conn
	echo bool

	mu       sync.Mutex
	data     []byte
	inside   int // callbacks running now: must never exceed 1
	overlap  bool
	idles    int
	writable chan struct{}
	opened   chan error
	closed   chan error
}

func newRecorder(c engine.Conn, echo bool) *recorder {
	return &recorder{c: c, echo: echo, writable: make(chan struct{}, 64), opened: make(chan error, 1), closed: make(chan error, 1)}
}

func (r *recorder) enter() func() {
	r.mu.Lock()
	r.inside++
	if r.inside > 1 {
		r.overlap = true
	}
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.inside--
		r.mu.Unlock()
	}
}

func (r *recorder) OnOpen(err error) {
	defer r.enter()()
	r.opened <- err
}

func (r *recorder) OnData(p []byte) {
	defer r.enter()()
	if r.echo {
		if n, err := r.c.Write(p); err != nil || n != len(p) {
			panic("echo write refused: raise QueueSize")
		}
		return
	}
	r.mu.Lock()
	r.data = append(r.data, p...)
	r.mu.Unlock()
}

func (r *recorder) OnWritable() {
	defer r.enter()()
	select { // a callback must not block
	case r.writable <- struct{}{}:
	default:
	}
}

func (r *recorder) OnIdle() {
	defer r.enter()()
	r.mu.Lock()
	r.idles++
	r.mu.Unlock()
}

func (r *recorder) OnClose(err error) {
	defer r.enter()()
	r.closed <- err
}

func (r *recorder) received() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.data...)
}

func wait[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// acceptCh is an Acceptor handing connections to the test.
type acceptCh chan engine.Conn

func (a acceptCh) Accept(c engine.Conn) { a <- c }
func (a acceptCh) AcceptError(error)    {}

// serve starts an epoll engine with two loops on 127.0.0.1.
func serve(t testing.TB) (engine.Listener, acceptCh) {
	t.Helper()
	return listenOn(t, New(2), engine.ListenConfig{Host: "127.0.0.1"})
}

func listenOn(t testing.TB, e engine.Engine, cfg engine.ListenConfig) (engine.Listener, acceptCh) {
	t.Helper()
	a := make(acceptCh, 16)
	ln, err := e.Listen(cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, a
}

// startConn dials ln (with TLS when cfg is non-nil), starts the accepted
// connection with r's handler and waits for OnOpen when the client's
// handshake is expected to pass.
func startConn(t testing.TB, ln engine.Listener, a acceptCh, opts engine.StartOptions, echo bool) (net.Conn, engine.Conn, *recorder) {
	t.Helper()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	c := wait(t, a, "Accept")
	r := newRecorder(c, echo)
	c.Start(r, opts)
	var client net.Conn = raw
	if opts.TLS != nil {
		tc := tls.Client(raw, clientConfig())
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		client = tc
	}
	if err := wait(t, r.opened, "OnOpen"); err != nil {
		t.Fatal(err)
	}
	return client, c, r
}

var (
	certOnce sync.Once
	certPool *x509.CertPool
	cert     tls.Certificate
)

func makeCert() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	certPool = x509.NewCertPool()
	certPool.AddCert(leaf)
	cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func serverConfig() *tls.Config {
	certOnce.Do(makeCert)
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

func clientConfig() *tls.Config {
	certOnce.Do(makeCert)
	return &tls.Config{RootCAs: certPool, ServerName: "localhost"}
}

// stream returns n deterministic pseudo-random bytes.
func stream(seed uint64, n int) []byte {
	r := mrand.New(mrand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// fdCount returns the number of open descriptors of the process.
func fdCount(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// modes runs f for a plain and a TLS connection.
func modes(t *testing.T, f func(t *testing.T, cfg *tls.Config)) {
	for _, m := range []struct {
		name string
		cfg  *tls.Config
	}{{"plain", nil}, {"tls", serverConfig()}} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f(t, m.cfg)
		})
	}
}

// certPEM returns the test certificate in PEM, for a client process.
func certPEM() string {
	certOnce.Do(makeCert)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
}

// clientConfigFromPEM trusts the certificate the parent process passed.
func clientConfigFromPEM() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(os.Getenv("TLSKIT_TEST_PEM")))
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}
