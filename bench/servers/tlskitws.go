package servers

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// tlskitWSEcho is the WebSocket echo on tlskit's ws.Server with the given
// engine (wss when cfg is set): each message comes back whole with its own
// opcode. permessage-deflate is off, as it is by default in gorilla, gws
// and nbio (the bench's client does not offer it anyway). A message that
// does not fit the send queue pauses the connection's input until
// OnReadyToSend has sent it.
func tlskitWSEcho(engine string) func(addr string, cfg *tls.Config) (func() error, error) {
	return tlskitWSEchoWith(engine, ws.ConnOptions{DisablePermessageDeflate: true})
}

// tlskitWSEchoWith is the echo with the connection options copts.
func tlskitWSEchoWith(engine string, copts ws.ConnOptions) func(addr string, cfg *tls.Config) (func() error, error) {
	return func(addr string, cfg *tls.Config) (func() error, error) {
		opts, err := tlskitOptions(addr, cfg, engine)
		if err != nil {
			return nil, err
		}
		return startTlskitWSConn(opts, copts)
	}
}

// startTlskitWS runs the WebSocket echo over sopts.
func startTlskitWS(sopts server.Options) (func() error, error) {
	return startTlskitWSConn(sopts, ws.ConnOptions{DisablePermessageDeflate: true})
}

// startTlskitWSConn runs the WebSocket echo over sopts with copts.
func startTlskitWSConn(sopts server.Options, copts ws.ConnOptions) (func() error, error) {
	s, err := ws.NewServer(ws.Options{
		Server: sopts,
		Conn:   copts,
		Events: ws.Events{OnDataIn: tlskitWSDataIn, OnReadyToSend: tlskitWSReadyToSend},
	})
	if err != nil {
		return nil, err
	}
	if err := s.StartListening(); err != nil {
		return nil, err
	}
	return shutdownFunc(s.Shutdown), nil
}

// wsBacklog holds the messages a connection could not send yet, in
// order; events of one connection never run concurrently, so it needs no
// lock. Messages already received when PauseData takes effect still
// arrive, and queue behind the first.
type wsBacklog []wsMessage

type wsMessage struct {
	format ws.SendFormat
	data   []byte
}

func tlskitWSDataIn(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
	format := ws.SendFormatOf(f)
	bl, _ := c.UserData().(*wsBacklog)
	if bl != nil && len(*bl) > 0 {
		*bl = append(*bl, wsMessage{format, append([]byte(nil), data...)})
		return
	}
	if _, err := c.SendMessage(format, data); errors.Is(err, ws.ErrWouldBlock) {
		if bl == nil {
			bl = new(wsBacklog)
			c.SetUserData(bl)
		}
		*bl = append(*bl, wsMessage{format, append([]byte(nil), data...)})
		c.PauseData()
	}
}

func tlskitWSReadyToSend(c *ws.Conn) {
	bl, _ := c.UserData().(*wsBacklog)
	if bl == nil || len(*bl) == 0 {
		return
	}
	for len(*bl) > 0 {
		m := (*bl)[0]
		if _, err := c.SendMessage(m.format, m.data); errors.Is(err, ws.ErrWouldBlock) {
			return
		}
		*bl = (*bl)[1:]
	}
	*bl = nil
	c.ProcessData()
}

// StartShared starts tlskit's echo for proto ("tcp" or "ws") on the epoll
// engine with SharePort (SO_REUSEPORT), so that several processes can
// listen on addr and the kernel spreads the connections among them.
func StartShared(proto, addr string) (stop func() error, err error) {
	opts, err := tlskitOptions(addr, nil, "epoll")
	if err != nil {
		return nil, err
	}
	opts.SharePort = true
	switch proto {
	case "tcp":
		return startTlskitTCP(opts)
	case "ws":
		return startTlskitWS(opts)
	}
	return nil, fmt.Errorf("servers: no shared-port echo for %q (tcp or ws)", proto)
}
