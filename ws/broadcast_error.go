package ws

import "fmt"

// SendError is one connection's failure in a Broadcast: the message was not
// queued on that connection (Err matching ErrWouldBlock when its queue was
// full, ErrNotConnected when it was closing), so the caller can send it
// again there, wait or disconnect.
type SendError struct {
	ConnectionID int64
	Err          error
}

func (e *SendError) Error() string { return fmt.Sprintf("connection %d: %v", e.ConnectionID, e.Err) }

func (e *SendError) Unwrap() error { return e.Err }
