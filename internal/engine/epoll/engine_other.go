//go:build !linux

package epoll

import (
	"errors"

	"github.com/tlskit/tlskit/internal/engine"
)

// Supported reports whether this build has the epoll engine.
const Supported = false

// ErrUnsupported is returned by Listen on systems without epoll.
var ErrUnsupported = errors.New("epoll: the epoll engine is only available on Linux; use the portable engine")

// Engine is a stand-in that refuses to listen.
type Engine struct{}

// New returns an engine whose Listen fails with ErrUnsupported.
func New(loops int) *Engine { return &Engine{} }

// Name returns "epoll".
func (*Engine) Name() string { return "epoll" }

// Listen fails with ErrUnsupported.
func (*Engine) Listen(engine.ListenConfig, engine.Acceptor) (engine.Listener, error) {
	return nil, ErrUnsupported
}
