package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/socket"
	"github.com/tlskit/tlskit/tlsconf"
)

// connectScheme is one URL scheme connect speaks: adding a scheme is adding
// an entry to connectSchemes.
type connectScheme struct {
	secure bool
	// websocket: the URL may have a path and query, and the WebSocket
	// flags (--binary, --subprotocol, --header) apply.
	websocket   bool
	defaultPort int // used when the URL has none; 0: the port is required
	// run connects and copies stdin to the server and the server to
	// stdout until the connection ends.
	run func(cmd *cobra.Command, f *connectFlags, t target) error
}

// target is where connect goes.
type target struct {
	url    string // as given
	scheme string
	host   string
	port   int
	secure bool
}

// connectSchemes is the table of schemes, by name. It is never modified.
var connectSchemes = map[string]connectScheme{
	"tcp": {secure: false, run: runSocket},
	"tls": {secure: true, run: runSocket},
	"ws":  {secure: false, websocket: true, defaultPort: 80, run: runWebSocket},
	"wss": {secure: true, websocket: true, defaultPort: 443, run: runWebSocket},
}

// connection is an open tcp:// or tls:// connection.
type connection interface {
	io.ReadWriteCloser
	// CloseWrite tells the peer that nothing more will be sent.
	CloseWrite() error
}

type connectFlags struct {
	cert loadFlags
	tlsFlags
	certFile string
	ca       string
	sni      string
	insecure bool
	timeout  time.Duration
	ws       wsFlags
}

func newConnectCmd() *cobra.Command {
	var f connectFlags
	cmd := &cobra.Command{
		Use:   "connect URL",
		Short: "Connect to a WebSocket, TCP or TLS server and copy stdin to it and it to stdout",
		Long: `Connect to URL (ws://HOST[:PORT]/PATH, wss://..., tcp://HOST:PORT or
tls://HOST:PORT) and print what the handshakes negotiated to stderr.

WebSocket (ws://, wss://): every line of stdin is sent as a text message
(--binary: a binary message), without its line end; every message received is
printed on its own line: text as it is, binary as hexadecimal. At the end of
stdin connect waits for replies until --wait (default 1s) has passed with no
message received, then sends a Close frame (1000) and waits for the server's. The
exit status is 0 when the connection closes normally (1000, or 1001 when the
server goes away), 1 otherwise, with the close code and reason; a refused
handshake prints the HTTP status.

TCP and TLS (tcp://, tls://): stdin is copied to the connection and the
connection to stdout. At the end of stdin the sending side is shut down
(TLS close_notify, TCP FIN) and the answer is read until the server closes.
The exit status is 0 when the server closed the connection, 1 on any failure.`,
		Example: `  tlskit connect wss://127.0.0.1:8443/ --insecure           # against tlskit serve
  tlskit connect ws://127.0.0.1:8080/chat --subprotocol chat --header 'Authorization: Bearer x'
  printf 'hi\n' | tlskit connect wss://127.0.0.1:8443/ --binary --ca ca.pem
  printf 'hello\n' | tlskit connect ws://127.0.0.1:8765/ --wait 5s   # a slow server's reply
  tlskit connect tls://127.0.0.1:8443 --ca ca.pem
  tlskit connect tls://example.test:443 --sni example.test --alpn h2,http/1.1
  tlskit connect tls://127.0.0.1:8443 --insecure          # no verification (DANGER)
  tlskit connect tls://api.test:8443 --cert client.pem --key client-key.pem
  echo hello | tlskit connect tcp://127.0.0.1:7000`,
		Args: exactArgs(1, "URL"),
		RunE: func(cmd *cobra.Command, args []string) error { return runConnect(cmd, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.insecure, "insecure", false, "accept any server certificate (DANGER: anyone can impersonate the server)")
	fl.StringVar(&f.ca, "ca", "", "trust the CA certificates in FILE (any format) besides the system's")
	fl.StringVar(&f.certFile, "cert", "", "client certificate and key (any format) for servers that ask for one")
	f.cert.register(cmd, "client certificate store")
	fl.StringVar(&f.sni, "sni", "", "server name sent (SNI) and verified (default: the URL's host)")
	f.tlsFlags.register(cmd)
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "limit for connecting and the TLS (and WebSocket) handshake")
	f.ws.register(cmd)
	return cmd
}

// check rejects conflicting flags before anything connects.
func (f *connectFlags) check(cmd *cobra.Command, scheme string, sc connectScheme) error {
	tlsOnly := append([]string{"insecure", "ca", "cert", "key", "password", "subject", "store-type", "sni"}, tlsFlagNames...)
	if !sc.secure {
		for _, name := range tlsOnly {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s needs TLS, but %s:// is plain: use %s://", name, scheme, secureTwin(scheme))
			}
		}
	}
	if !sc.websocket {
		for _, name := range wsFlagNames {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s is for WebSocket: use ws:// or wss://", name)
			}
		}
	}
	switch {
	case f.insecure && f.ca != "":
		return errors.New("--insecure accepts any certificate, so --ca has no effect: choose one")
	case f.certFile == "" && (cmd.Flags().Changed("key") || cmd.Flags().Changed("password") ||
		cmd.Flags().Changed("subject") || cmd.Flags().Changed("store-type")):
		return errors.New("--key, --password, --subject and --store-type need --cert")
	case f.timeout < 0:
		return errors.New("--timeout must not be negative")
	}
	return nil
}

func runConnect(cmd *cobra.Command, rawURL string, f *connectFlags) error {
	t, err := parseConnectURL(rawURL)
	if err != nil {
		return err
	}
	sc := connectSchemes[t.scheme]
	if err := f.check(cmd, t.scheme, sc); err != nil {
		return err
	}
	if f.insecure {
		fmt.Fprintln(cmd.ErrOrStderr(), "WARNING: --insecure: the server's certificate is NOT verified; anyone can impersonate the server")
	}
	return sc.run(cmd, f, t)
}

// runSocket is a tcp:// or tls:// session.
func runSocket(cmd *cobra.Command, f *connectFlags, t target) error {
	info := cmd.ErrOrStderr()
	conn, err := dialSocket(cmd.Context(), f, t, info)
	if err != nil {
		return fmt.Errorf("connect %s: %w", t.url, err)
	}
	defer conn.Close()

	go func() {
		// Stdin's end shuts down the sending side; the answer is still read.
		if _, err := io.Copy(conn, cmd.InOrStdin()); err == nil {
			_ = conn.CloseWrite()
		}
	}()
	if _, err := io.Copy(cmd.OutOrStdout(), conn); err != nil {
		return fmt.Errorf("connection to %s: %w", t.url, explainDialError(t, err))
	}
	fmt.Fprintln(info, "Closed by the server")
	return nil
}

// parseConnectURL checks the URL and splits it.
func parseConnectURL(raw string) (target, error) {
	schemes := strings.Join(slices.Sorted(maps.Keys(connectSchemes)), ", ")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return target{}, fmt.Errorf("%q is not a URL such as wss://127.0.0.1:8443/ or tls://127.0.0.1:8443 (schemes: %s)", raw, schemes)
	}
	sc, ok := connectSchemes[u.Scheme]
	if !ok {
		return target{}, fmt.Errorf("%q: unknown scheme %q; use %s", raw, u.Scheme, schemes)
	}
	switch {
	case u.User != nil || u.Fragment != "":
		return target{}, fmt.Errorf("%q: %s:// URLs take no user name or #fragment", raw, u.Scheme)
	case !sc.websocket && ((u.Path != "" && u.Path != "/") || u.RawQuery != ""):
		return target{}, fmt.Errorf("%q: %s:// URLs are HOST:PORT only", raw, u.Scheme)
	}
	port, err := strconv.Atoi(u.Port())
	if u.Port() == "" && sc.defaultPort != 0 {
		port, err = sc.defaultPort, nil
	}
	if err != nil || port < 1 || port > 65535 {
		return target{}, fmt.Errorf("%q: the URL needs a port from 1 to 65535, such as %s://%s:8443", raw, u.Scheme, u.Hostname())
	}
	return target{url: raw, scheme: u.Scheme, host: u.Hostname(), port: port, secure: sc.secure}, nil
}

// dialSocket connects with package socket and prints the TLS details.
func dialSocket(ctx context.Context, f *connectFlags, t target, info io.Writer) (connection, error) {
	cfg := socket.Config{Address: t.host, Port: t.port, ConnectTimeout: f.timeout, Secure: t.secure}
	if t.secure {
		o, err := f.tlsOptions()
		if err != nil {
			return nil, err
		}
		cfg.TLS = socket.TLSOptions{Settings: o.Settings, CA: o.CA, ClientCertificate: o.ClientCertificate, ClientKey: o.ClientKey}
	}
	s, err := socket.Dial(ctx, cfg)
	if err != nil {
		return nil, explainDialError(t, err)
	}
	fmt.Fprintf(info, "Connected to %s (%s)\n", net.JoinHostPort(t.host, strconv.Itoa(t.port)), s.RemoteAddr())
	if st, ok := s.ConnectionState(); ok {
		printTLSDetails(info, st, f.insecure)
	}
	return s, nil
}

// tlsOptions turns the flags into the TLS options of socket.Dial and ws.Dial.
func (f *connectFlags) tlsOptions() (tlsconf.Options, error) {
	s, err := f.settings()
	if err != nil {
		return tlsconf.Options{}, err
	}
	s.ServerName = f.sni
	s.AcceptAnyServerCert = f.insecure
	o := tlsconf.Options{Settings: s}
	if f.ca != "" {
		st, err := certs.LoadStore(f.ca, certs.Options{})
		if err != nil {
			return tlsconf.Options{}, fmt.Errorf("--ca: %w", err)
		}
		for _, c := range st.Certificates {
			o.CA = append(o.CA, c.Leaf.Raw)
		}
	}
	if f.certFile != "" {
		c, err := f.cert.load(f.certFile)
		if err != nil {
			return tlsconf.Options{}, fmt.Errorf("--cert: %w", err)
		}
		if c.PrivateKey == nil {
			return tlsconf.Options{}, fmt.Errorf("--cert %s has no private key: pass it with --key", f.certFile)
		}
		key, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			return tlsconf.Options{}, fmt.Errorf("--cert: %w", err)
		}
		o.ClientCertificate = [][]byte{c.Leaf.Raw}
		for _, ca := range c.Chain {
			o.ClientCertificate = append(o.ClientCertificate, ca.Raw)
		}
		o.ClientKey = key
	}
	return o, nil
}

// explainDialError adds what to do to the errors users meet most, from
// the handshake or (TLS 1.3 client certificates) the first read.
func explainDialError(t target, err error) error {
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var rhe tls.RecordHeaderError
	plain := map[string]string{"wss": "ws", "tls": "tcp"}[t.scheme]
	switch {
	case errors.As(err, &rhe) && bytes.HasPrefix(rhe.RecordHeader[:], []byte("HTTP/")):
		if plain == "ws" {
			return fmt.Errorf("%w\nthe server answered in plain HTTP, not TLS: this looks like a plain WebSocket server: use ws://", err)
		}
		return fmt.Errorf("%w\nthe server answered in plain HTTP, not TLS: this looks like an HTTP or WebSocket server", err)
	case errors.As(err, &rhe):
		return fmt.Errorf("%w\nthe server does not speak TLS: if it is a plain server, use %s://", err, plain)
	case strings.Contains(err.Error(), "unexpected handshake message of type *tls.clientHelloMsg"):
		return fmt.Errorf("%w\nthe server sent our ClientHello back: this looks like a plain TCP echo server: use %s://", err, plain)
	case t.scheme == "ws" && errors.Is(err, io.EOF):
		return fmt.Errorf("%w\nthe server closed the connection without answering the WebSocket handshake: if it is a TLS server, use wss://", err)
	case errors.As(err, &uae) || (errors.As(err, &cve) && errors.As(cve.Err, &uae)):
		return fmt.Errorf("%w\nthe server's certificate is not signed by a CA you trust: pass --ca FILE with its CA (or, for a test server only, --insecure)", err)
	case errors.As(err, &hne):
		return fmt.Errorf("%w\nthe certificate is for another name: connect to one of its names, or pass --sni NAME", err)
	case strings.Contains(err.Error(), "remote error: tls: certificate required"):
		return fmt.Errorf("%w\nthe server wants a client certificate: pass --cert FILE (and --key FILE)", err)
	case strings.Contains(err.Error(), "remote error: tls: bad certificate"),
		strings.Contains(err.Error(), "remote error: tls: unknown certificate authority"):
		return fmt.Errorf("%w\nthe server refused the client certificate (--cert)", err)
	}
	return err
}

// printTLSDetails writes what the handshake negotiated and the server's
// certificate as "Name: value" lines.
func printTLSDetails(w io.Writer, st tls.ConnectionState, insecure bool) {
	i := tlsconf.Negotiated(st)
	group := "none"
	if i.GroupName != "" {
		group = fmt.Sprintf("%s (%d bits)", i.GroupName, i.KeyExchangeStrength)
	}
	lines := []struct{ name, value string }{
		{"Version", i.VersionName},
		{"CipherSuite", i.CipherSuiteName},
		{"KeyExchange", i.KeyExchange},
		{"Group", group},
		{"ALPN", orNone(i.ALPN)},
		{"Resumed", strconv.FormatBool(i.DidResume)},
	}
	if len(i.PeerCertificates) > 0 {
		c := certs.FromX509(i.PeerCertificates[0])
		lines = append(lines, []struct{ name, value string }{
			{"Subject", c.Subject},
			{"Issuer", c.Issuer},
			{"ExpirationDate", c.ExpirationDate.Local().Format(certs.DateLayout)},
			{"FingerprintSHA256", c.FingerprintSHA256},
		}...)
	}
	verified := "yes"
	if insecure {
		verified = "NO: --insecure accepts any certificate; this connection is NOT secure"
	}
	lines = append(lines, struct{ name, value string }{"Verified", verified})
	for _, l := range lines {
		fmt.Fprintf(w, "%s: %s\n", l.name, l.value)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
