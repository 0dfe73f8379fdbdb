package ws

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

var pingSeq atomic.Uint64

// Ping sends a ping (payload at most 125 bytes; nil: a unique one) and
// returns the round-trip time of its pong; ErrTimedOut when ctx's deadline
// passes, ErrNotConnected on a close. Not from the connection's own hooks.
func (c *Conn) Ping(ctx context.Context, payload []byte) (time.Duration, error) {
	if payload == nil {
		payload = binary.BigEndian.AppendUint64(nil, pingSeq.Add(1))
	}
	if len(payload) > wsproto.MaxControlPayload {
		return 0, fmt.Errorf("%w: %d bytes", wsproto.ErrControlTooLong, len(payload))
	}
	key := string(payload)
	ch := make(chan struct{})
	c.mu.Lock()
	x := c.extraLocked()
	if x.pings == nil {
		x.pings = map[string]chan struct{}{}
	}
	x.pings[key] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if x.pings[key] == ch {
			delete(x.pings, key)
		}
		c.mu.Unlock()
	}()
	start := time.Now()
	if err := c.sendControl(wsproto.OpPing, payload); err != nil {
		return 0, err
	}
	select {
	case <-ch:
		return time.Since(start), nil
	case <-c.doneChan():
		return 0, ErrNotConnected
	case <-ctx.Done():
		if ctx.Err() == context.DeadlineExceeded {
			return 0, fmt.Errorf("%w: no pong: %w", ErrTimedOut, ctx.Err())
		}
		return 0, ctx.Err()
	}
}

// SendPing queues a ping without waiting; OnPing reports the pong.
func (c *Conn) SendPing(payload []byte) error {
	if len(payload) > wsproto.MaxControlPayload {
		return fmt.Errorf("%w: %d bytes", wsproto.ErrControlTooLong, len(payload))
	}
	return c.sendControl(wsproto.OpPing, payload)
}

func (c *Conn) pongReceived(payload []byte) {
	var ch chan struct{}
	ok := false
	c.mu.Lock()
	if c.x != nil {
		ch, ok = c.x.pings[string(payload)]
		if ok {
			delete(c.x.pings, string(payload))
		}
	}
	c.mu.Unlock()
	if ok {
		close(ch)
	}
}
