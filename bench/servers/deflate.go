package servers

import (
	"crypto/tls"
	"net/http"

	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"
	"github.com/tlskit/tlskit/ws"
)

// The deflate variants are the same echoes with permessage-deflate
// accepted, each library's way, for a bench client that offers it with
// no context takeover (Server.Deflate).

// tlskitWSDeflateEcho is tlskitWSEcho with ws's default deflate: no
// context takeover either way, flate state pooled per message.
func tlskitWSDeflateEcho(engine string) func(addr string, cfg *tls.Config) (func() error, error) {
	return tlskitWSEchoWith(engine, ws.ConnOptions{})
}

// startGorillaDeflate is startGorilla with EnableCompression, which
// negotiates no context takeover.
func startGorillaDeflate(addr string, cfg *tls.Config) (func() error, error) {
	return serveGorilla(addr, cfg, websocket.Upgrader{EnableCompression: true, CheckOrigin: func(*http.Request) bool { return true }})
}

// startGwsDeflate is startGws with PermessageDeflate enabled (no context
// takeover, gws's default).
func startGwsDeflate(addr string, cfg *tls.Config) (func() error, error) {
	return serveGws(addr, cfg, &gws.ServerOption{PermessageDeflate: gws.PermessageDeflate{Enabled: true}})
}
