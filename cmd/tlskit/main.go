// Command tlskit serves, connects to and inspects TCP, TLS and WebSocket
// endpoints, and creates, shows and converts certificates.
//
// Usage examples:
//
//	tlskit serve                         # wss echo on 127.0.0.1:8443, generated certificate
//	tlskit connect wss://127.0.0.1:8443/ --insecure
//	tlskit serve --proto tls             # raw TLS echo
//	tlskit cert new localhost 127.0.0.1  # writes a certificate and key
//	tlskit cert show server.pfx --password secret
package main

import (
	"fmt"
	"os"

	// Every code page server.Options.CodePage names (the tool is not a
	// library: its size matters less than what it can do).
	_ "github.com/tlskit/tlskit/server/codepage"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "tlskit:", err)
		os.Exit(1)
	}
}
