package servers

import (
	"crypto/tls"
	"net/http"

	"github.com/lxzan/gws"
)

// gwsEcho answers each message with itself.
type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	c.WriteMessage(m.Opcode, m.Bytes())
}

// startGws is lxzan/gws's echo: an upgrader on net/http and a read loop
// per connection.
func startGws(addr string, cfg *tls.Config) (func() error, error) {
	return serveGws(addr, cfg, &gws.ServerOption{})
}

// serveGws runs the echo with opt.
func serveGws(addr string, cfg *tls.Config, opt *gws.ServerOption) (func() error, error) {
	up := gws.NewUpgrader(gwsEcho{}, opt)
	return serveHTTP(addr, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go c.ReadLoop()
	}))
}
