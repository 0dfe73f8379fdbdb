package portable

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// Engine is the portable engine. The zero value is ready to use.
type Engine struct{}

var _ engine.Engine = Engine{}

// Name returns "portable".
func (Engine) Name() string { return "portable" }

// Listen binds as cfg says and starts the accept loop.
func (Engine) Listen(cfg engine.ListenConfig, a engine.Acceptor) (engine.Listener, error) {
	ln, err := engine.ListenTCP(cfg)
	if err != nil {
		return nil, err
	}
	l := &listener{ln: ln, a: a, stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.Proxy != nil {
		l.gate = engine.NewProxyGate(cfg.Proxy, a)
	}
	sock := cfg.Socket
	l.sock.Store(&sock)
	go l.loop()
	return l, nil
}

type listener struct {
	ln   *net.TCPListener
	a    engine.Acceptor
	gate *engine.ProxyGate                    // ListenConfig.Proxy; nil without
	sock atomic.Pointer[engine.SocketOptions] // for the next accept
	once sync.Once
	stop chan struct{} // closed by Close, ends a backoff wait
	done chan struct{} // closed when the accept loop has returned
}

func (l *listener) Addr() net.Addr { return l.ln.Addr() }

func (l *listener) SetSocketOptions(o engine.SocketOptions) { l.sock.Store(&o) }

func (l *listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		err = l.ln.Close()
		if l.gate != nil {
			<-l.done // no accept adds to the gate after its Close
			l.gate.Close()
		}
	})
	<-l.done
	return err
}

func (l *listener) loop() {
	defer close(l.done)
	var backoff time.Duration
	for {
		tc, err := l.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			l.a.AcceptError(err)
			// Out of descriptors or a similar passing condition: back off
			// so the loop does not spin, as net/http does.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff < time.Second {
				backoff *= 2
			}
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-l.stop:
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		applySocketOptions(tc, *l.sock.Load())
		if l.gate != nil {
			l.acceptProxied(tc)
			continue
		}
		l.a.Accept(newConn(tc))
	}
}

func applySocketOptions(tc *net.TCPConn, o engine.SocketOptions) {
	// Errors here are not fatal for the connection: the OS keeps its
	// defaults, which is what a platform without the option does too.
	_ = tc.SetNoDelay(o.NoDelay)
	if o.KeepAlive {
		_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: o.KeepAliveIdle, Interval: o.KeepAliveInterval})
	} else {
		_ = tc.SetKeepAlive(false)
	}
	if o.ReceiveBuffer > 0 {
		_ = tc.SetReadBuffer(o.ReceiveBuffer)
	}
	if o.SendBuffer > 0 {
		_ = tc.SetWriteBuffer(o.SendBuffer)
	}
}
