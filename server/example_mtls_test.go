package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/server"
)

// A TLS server that requires client certificates from its own CA and logs
// each client's subject; a client with such a certificate says hello.
func Example_mutualTLS() {
	// A CA, the server's certificate and a client's, made for the example
	// (load yours with certs.Load or certs.LoadPair).
	ca, _ := certs.Generate(certs.GenerateOptions{IsCA: true, CommonName: "Example CA"})
	srvCert, _ := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}, Issuer: ca})
	cliCert, _ := certs.Generate(certs.GenerateOptions{CommonName: "alice", Organization: "Example", Issuer: ca})
	srvTLS, _ := srvCert.TLSCertificate()
	cliTLS, _ := cliCert.TLSCertificate()
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca.Leaf) // exactly this CA vouches for clients

	// slog without times, so that the example's output is stable.
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	s, err := server.New(server.Options{
		LocalHost: "127.0.0.1",
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{srvTLS},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    clientCAs,
		},
		DefaultEOL: []byte("\n"),
		Events: server.Events{
			OnConnected: func(c *server.Conn) {
				if st, ok := c.ConnectionState(); ok && len(st.PeerCertificates) > 0 {
					log.Info("client connected", "subject", st.PeerCertificates[0].Subject.String())
				}
			},
			OnDataIn: func(c *server.Conn, line []byte, eol bool) {
				c.SendLine("hello, " + string(line))
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.StartListening(); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Shutdown(context.Background())

	roots := x509.NewCertPool()
	roots.AddCert(ca.Leaf)
	c, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cliTLS}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "alice\n")
	reply, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(reply)
	// Output:
	// level=INFO msg="client connected" subject="CN=alice,O=Example"
	// hello, alice
}
