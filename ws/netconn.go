package ws

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// NetConn returns a net.Conn over c, for code that speaks a byte stream:
// each Write sends one message of format (DataBinary, or DataText of
// UTF-8), Read returns the received messages' bytes in a row, then io.EOF
// after a close with 1000 or 1001, else the *CloseError. Close sends 1000
// and waits up to CloseTimeout for the peer's. Deadlines are net.Conn's.
// c must have no OnDataIn hook and be used only through the net.Conn.
func NetConn(c *Conn, format SendFormat) net.Conn {
	return &netConn{c: c, format: format}
}

type netConn struct {
	c      *Conn
	format SendFormat

	rmu      sync.Mutex // one Read at a time
	rest     []byte     // what the last message left unread
	deadline struct {
		sync.Mutex
		read, write time.Time
		changed     chan struct{} // closed (and replaced) when the read deadline changes
	}
}

func (n *netConn) Read(p []byte) (int, error) {
	n.rmu.Lock()
	defer n.rmu.Unlock()
	for len(n.rest) == 0 {
		msg, err := n.readMessage()
		if err != nil {
			return 0, n.readErr(err)
		}
		n.rest = msg
	}
	k := copy(p, n.rest)
	n.rest = n.rest[k:]
	return k, nil
}

// readMessage waits for the next message until the read deadline; a
// deadline changed meanwhile applies to the wait, as net.Conn requires.
func (n *netConn) readMessage() ([]byte, error) {
	for {
		n.deadline.Lock()
		d := n.deadline.read
		if n.deadline.changed == nil {
			n.deadline.changed = make(chan struct{})
		}
		changed := n.deadline.changed
		n.deadline.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		if !d.IsZero() {
			ctx, cancel = context.WithDeadline(context.Background(), d)
		}
		stop := make(chan struct{})
		go func() {
			select {
			case <-changed:
				cancel()
			case <-stop:
			}
		}()
		_, msg, err := n.c.ReadMessage(ctx)
		close(stop)
		cancel()
		if errors.Is(err, context.Canceled) {
			continue // the deadline changed: wait again with the new one
		}
		return msg, err
	}
}

func (n *netConn) readErr(err error) error {
	var ce *CloseError
	switch {
	case errors.As(err, &ce) && ce.Err == nil && (ce.Code == CloseNormal || ce.Code == CloseGoingAway):
		return io.EOF
	case errors.Is(err, context.DeadlineExceeded):
		return &net.OpError{Op: "read", Net: "websocket", Source: n.LocalAddr(), Addr: n.RemoteAddr(), Err: os.ErrDeadlineExceeded}
	}
	return err
}

func (n *netConn) Write(p []byte) (int, error) {
	ctx, cancel := n.writeCtx()
	defer cancel()
	if err := n.c.WriteMessage(ctx, n.format, p); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = &net.OpError{Op: "write", Net: "websocket", Source: n.LocalAddr(), Addr: n.RemoteAddr(), Err: os.ErrDeadlineExceeded}
		}
		return 0, err
	}
	return len(p), nil
}

// writeCtx is a context with the write deadline, if one is set.
func (n *netConn) writeCtx() (context.Context, context.CancelFunc) {
	n.deadline.Lock()
	d := n.deadline.write
	n.deadline.Unlock()
	if d.IsZero() {
		return context.Background(), func() {}
	}
	return context.WithDeadline(context.Background(), d)
}

func (n *netConn) Close() error {
	err := n.c.Close(CloseNormal, "")
	<-n.c.Done()
	if errors.Is(err, ErrNotConnected) {
		return net.ErrClosed
	}
	return err
}

func (n *netConn) LocalAddr() net.Addr  { return n.c.LocalAddr() }
func (n *netConn) RemoteAddr() net.Addr { return n.c.RemoteAddr() }

func (n *netConn) SetDeadline(t time.Time) error {
	_ = n.SetReadDeadline(t)
	return n.SetWriteDeadline(t)
}

func (n *netConn) SetReadDeadline(t time.Time) error {
	n.deadline.Lock()
	n.deadline.read = t
	if n.deadline.changed != nil {
		close(n.deadline.changed) // wakes a waiting Read, which takes t
		n.deadline.changed = nil
	}
	n.deadline.Unlock()
	return nil
}

func (n *netConn) SetWriteDeadline(t time.Time) error {
	n.deadline.Lock()
	n.deadline.write = t
	n.deadline.Unlock()
	return nil
}
