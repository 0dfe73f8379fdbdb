package servers

import (
	"crypto/tls"
	"net/http"

	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

// startNbio is lesismal/nbio's echo: its own non-blocking HTTP engine
// (epoll, no goroutine per idle connection) with its WebSocket upgrader.
func startNbio(addr string, _ *tls.Config) (func() error, error) {
	up := websocket.NewUpgrader()
	up.CheckOrigin = func(*http.Request) bool { return true }
	up.OnMessage(func(c *websocket.Conn, op websocket.MessageType, data []byte) {
		c.WriteMessage(op, data)
	})
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network: "tcp",
		Addrs:   []string{addr},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			up.Upgrade(w, r, nil)
		}),
	})
	if err := engine.Start(); err != nil {
		return nil, err
	}
	return func() error { engine.Stop(); return nil }, nil
}
