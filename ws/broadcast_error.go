package ws

import "fmt"

// SendError is one connection's failure in a Broadcast, which was not
// queued there: Err matches ErrWouldBlock, ErrNotConnected ...
type SendError struct {
	ConnectionID int64
	Err          error
}

func (e *SendError) Error() string { return fmt.Sprintf("connection %d: %v", e.ConnectionID, e.Err) }

func (e *SendError) Unwrap() error { return e.Err }
