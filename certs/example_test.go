package certs_test

import (
	"crypto/tls"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/tlskit/tlskit/certs"
)

// A server loads its certificate from any supported store; the format is
// detected and the password opens PFX, JKS and encrypted keys.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"www.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	pfx, err := gen.EncodePFX("secret")
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "server.pfx")
	if err := os.WriteFile(path, pfx, 0o600); err != nil {
		log.Fatal(err)
	}

	cert, err := certs.Load(path, certs.Options{Password: "secret", Subject: "www.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	tlsCert, err := cert.TLSCertificate()
	if err != nil {
		log.Fatal(err)
	}
	_ = &tls.Config{Certificates: []tls.Certificate{tlsCert}}
	fmt.Println(cert.Subject)
	fmt.Println(cert.PublicKeyAlgorithm, cert.PublicKeyLength, cert.PrivateKeyAvailable)
	// Output:
	// CN=www.example.com, O=tlskit
	// ECDSA 256 true
}

// Generate makes a CA and a leaf it signs.
func ExampleGenerate() {
	ca, err := certs.Generate(certs.GenerateOptions{IsCA: true, CommonName: "Dev CA"})
	if err != nil {
		log.Fatal(err)
	}
	leaf, err := certs.Generate(certs.GenerateOptions{
		Hosts:   []string{"localhost", "127.0.0.1"},
		KeyType: certs.KeyEd25519,
		Issuer:  ca,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(leaf.Subject, "|", leaf.Issuer)
	fmt.Println(leaf.SubjectAltNames, leaf.Usage)
	// Output:
	// CN=localhost, O=tlskit | CN=Dev CA, O=tlskit
	// [localhost 127.0.0.1] Digital Signature
}

// Thumbprint selection takes MD5, SHA-1 or SHA-256 in any common spelling.
func ExampleStore_Select() {
	gen, err := certs.Generate(certs.GenerateOptions{CommonName: "api"})
	if err != nil {
		log.Fatal(err)
	}
	certPEM, keyPEM, err := gen.EncodePEM()
	if err != nil {
		log.Fatal(err)
	}
	store, err := certs.ParseStore(append(certPEM, keyPEM...), certs.Options{})
	if err != nil {
		log.Fatal(err)
	}
	c, err := store.Select("Thumbprint=" + gen.FingerprintSHA1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Subject)
	_, err = store.Select("CN=web")
	fmt.Println(err)
	// Output:
	// CN=api, O=tlskit
	// certs: select: cannot find specified certificate: no certificate matches "CN=web"; the store holds "CN=api, O=tlskit" (error 272)
}

// A server follows its certificate files as they are renewed: new
// handshakes get the certificate loaded last, open connections keep
// theirs.
func ExampleWatch() {
	w, err := certs.Watch("/etc/tlskit/server.pem", "/etc/tlskit/server-key.pem", certs.WatchOptions{
		OnReload: func(c *tls.Certificate) { log.Printf("certificate renewed: %s", c.Leaf.Subject) },
		OnError:  func(err error) { log.Printf("certificate not renewed: %v", err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	cfg := &tls.Config{GetCertificate: w.GetCertificate}
	_ = cfg // server.Options{TLSConfig: cfg}
}
