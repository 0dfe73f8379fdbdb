package servers

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// gnetEcho writes back whatever arrives, on gnet's event loops.
type gnetEcho struct {
	gnet.BuiltinEventEngine
	eng   gnet.Engine
	ready chan struct{}
}

func (e *gnetEcho) OnBoot(eng gnet.Engine) gnet.Action {
	e.eng = eng
	close(e.ready)
	return gnet.None
}

func (e *gnetEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return gnet.None
}

// startGnet is panjf2000/gnet v2's echo: epoll loops, one per core.
func startGnet(addr string, _ *tls.Config) (func() error, error) {
	e := &gnetEcho{ready: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		errc <- gnet.Run(e, "tcp://"+addr, gnet.WithMulticore(true), gnet.WithTCPNoDelay(gnet.TCPNoDelay))
	}()
	select {
	case <-e.ready:
	case err := <-errc:
		return nil, err
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return e.eng.Stop(ctx)
	}, nil
}
