//go:build !unix

package engine

import (
	"context"
	"errors"
	"net"
)

// ListenTCP listens with the net package. Backlog and shared binding cannot
// be set this way; asking for them is an error rather than ignored.
func ListenTCP(cfg ListenConfig) (*net.TCPListener, error) {
	if cfg.Backlog > 0 {
		return nil, errors.New("engine: a listen backlog can only be set on Unix systems")
	}
	if cfg.Shared {
		return nil, errors.New("engine: shared port binding (BindExclusively=false) is only supported on Unix systems")
	}
	ap, err := ResolveListenAddr(cfg)
	if err != nil {
		return nil, err
	}
	network := "tcp4"
	switch cfg.Family {
	case IPv6Only:
		network = "tcp6"
	case DualStack:
		network = "tcp"
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), network, ap.String())
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
}
