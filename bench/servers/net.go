package servers

import (
	"crypto/tls"
	"net"
)

// startNet is the plain Go echo, over net or crypto/tls: a goroutine per
// connection copying through a 4 KiB buffer.
func startNet(addr string, cfg *tls.Config) (func() error, error) {
	ln, err := listen(addr, cfg)
	if err != nil {
		return nil, err
	}
	serveEach(ln, echoConn)
	return ln.Close, nil
}

// serveEach runs fn on a goroutine of its own for each connection ln
// accepts, until ln is closed.
func serveEach(ln net.Listener, fn func(net.Conn)) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go fn(c)
		}
	}()
}

func echoConn(c net.Conn) {
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
