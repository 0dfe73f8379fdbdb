package ws_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/ws"
)

// A wss:// client that trusts the CA in a PEM file (as for a server with a
// certificate from a private CA), against an echo server.
func ExampleDial_caFile() {
	// A private CA in ca.pem and a server certificate it signed.
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.pem")
	ca, _ := certs.Generate(certs.GenerateOptions{IsCA: true})
	caPEM, _, _ := ca.EncodePEM()
	_ = os.WriteFile(caFile, caPEM, 0o644)
	leaf, _ := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}, Issuer: ca})
	leafTLS, _ := leaf.TLSCertificate()
	srv, _ := ws.NewServer(ws.Options{
		Server: server.Options{LocalHost: "127.0.0.1", TLSConfig: &tls.Config{Certificates: []tls.Certificate{leafTLS}}},
		Events: ws.Events{OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
			_, _ = c.SendMessage(ws.SendFormatOf(f), data)
		}},
	})
	if err := srv.StartListening(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())

	// The client: the CA file's certificates, in any format certs reads.
	store, err := certs.LoadStore(caFile, certs.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var trusted [][]byte
	for _, c := range store.Certificates {
		trusted = append(trusted, c.Leaf.Raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, srv.URL(), &ws.DialOptions{
		TLS: tlsconf.Options{CA: trusted},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := c.ConnectionState()
	fmt.Println(srv.URL()[:6], st.Version == tls.VersionTLS13)
	_ = c.WriteMessage(ctx, ws.DataText, []byte("over TLS"))
	_, msg, _ := c.ReadMessage(ctx)
	fmt.Println(string(msg))
	_ = c.Disconnect()
	<-c.Done()
	// Output:
	// wss:// true
	// over TLS
}
