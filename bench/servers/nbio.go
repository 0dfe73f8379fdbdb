package servers

import (
	"crypto/tls"
	"net/http"

	ltls "github.com/lesismal/llib/std/crypto/tls"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

// startNbio is lesismal/nbio's echo: its own non-blocking HTTP engine
// (epoll, no goroutine per idle connection) with its WebSocket upgrader.
// For wss it serves TLS through nbio's own fork of crypto/tls
// (lesismal/llib), given the same certificate.
func startNbio(addr string, cfg *tls.Config) (func() error, error) {
	up := websocket.NewUpgrader()
	up.CheckOrigin = func(*http.Request) bool { return true }
	up.OnMessage(func(c *websocket.Conn, op websocket.MessageType, data []byte) {
		c.WriteMessage(op, data)
	})
	conf := nbhttp.Config{
		Network: "tcp",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			up.Upgrade(w, r, nil)
		}),
	}
	if cfg == nil {
		conf.Addrs = []string{addr}
	} else {
		lc := &ltls.Config{NextProtos: cfg.NextProtos}
		for _, c := range cfg.Certificates {
			lc.Certificates = append(lc.Certificates, ltls.Certificate{Certificate: c.Certificate, PrivateKey: c.PrivateKey})
		}
		conf.AddrsTLS = []string{addr}
		conf.TLSConfig = lc
	}
	engine := nbhttp.NewEngine(conf)
	if err := engine.Start(); err != nil {
		return nil, err
	}
	return func() error { engine.Stop(); return nil }, nil
}
