package server

import (
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/epoll"
	"github.com/tlskit/tlskit/internal/engine/portable"
)

// newEngine returns the engine Options.Engine names (already validated):
// "" and "auto" mean epoll where it exists. Each server gets its own epoll
// engine, whose loops run only while the server listens or has
// connections.
func newEngine(name Engine) engine.Engine {
	switch {
	case name == EngineEpoll, name != EnginePortable && epoll.Supported:
		return epoll.New(0)
	}
	return portable.Engine{}
}
