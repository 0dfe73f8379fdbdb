package servers

import (
	"crypto/tls"
	"net/http"

	"github.com/gorilla/websocket"
)

// startGorilla is gorilla/websocket's echo, as in its examples: a goroutine
// per connection with ReadMessage and WriteMessage.
func startGorilla(addr string, cfg *tls.Config) (func() error, error) {
	return serveGorilla(addr, cfg, websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }})
}

// serveGorilla runs the echo with up.
func serveGorilla(addr string, cfg *tls.Config, up websocket.Upgrader) (func() error, error) {
	return serveHTTP(addr, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			op, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(op, msg); err != nil {
				return
			}
		}
	}))
}

// serveHTTP runs h on addr with net/http, over TLS when cfg is set.
func serveHTTP(addr string, cfg *tls.Config, h http.Handler) (func() error, error) {
	ln, err := listen(addr, cfg)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return srv.Close, nil
}
