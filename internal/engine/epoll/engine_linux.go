package epoll

import (
	"runtime"
	"sync"

	"github.com/tlskit/tlskit/internal/engine"
)

// Supported reports whether this build has the epoll engine.
const Supported = true

// Engine is the epoll engine. Its loops start with the first listener and
// stop when the last listener and the last connection are closed, so an
// unused Engine holds no goroutine or descriptor. Create one with New.
type Engine struct {
	loops int
	pool  chunkPool

	mu    sync.Mutex
	group []*loop // the running loops, nil when stopped
	refs  int     // listeners and connections using group
	next  int     // round-robin position for new connections
}

var _ engine.Engine = (*Engine)(nil)

// New returns an engine with the given number of event loops; loops <= 0
// means one per CPU the Go scheduler uses (GOMAXPROCS).
func New(loops int) *Engine {
	if loops <= 0 {
		loops = runtime.GOMAXPROCS(0)
	}
	return &Engine{loops: loops}
}

// Name returns "epoll".
func (e *Engine) Name() string { return "epoll" }

// acquire takes a reference on the loops, starting them if needed, and
// returns the loop a new listener or connection should use.
func (e *Engine) acquire() (*loop, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.group == nil {
		g := make([]*loop, 0, e.loops)
		for range e.loops {
			l, err := newLoop(e)
			if err != nil {
				for _, l := range g {
					l.closeFDs() // not running yet
				}
				return nil, err
			}
			g = append(g, l)
		}
		e.group = g
		for _, l := range g {
			go l.run()
		}
	}
	e.refs++
	l := e.group[e.next%len(e.group)]
	e.next++
	return l, nil
}

// release drops a reference; the last one stops the loops. It never waits,
// so a loop may call it.
func (e *Engine) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refs--
	if e.refs == 0 {
		for _, l := range e.group {
			l.stop()
		}
		e.group = nil
	}
}

// Listen binds as cfg says and accepts on one of the engine's loops.
func (e *Engine) Listen(cfg engine.ListenConfig, a engine.Acceptor) (engine.Listener, error) {
	return listen(e, cfg, a)
}
