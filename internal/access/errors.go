package access

import (
	"errors"
	"strconv"
)

var (
	// ErrMalformed is matched (with errors.Is) by an EntryError for an entry
	// that is not an IP address, CIDR prefix or wildcard pattern.
	ErrMalformed = errors.New("access: malformed entry")

	// ErrHostName is matched by an EntryError for a host name other than
	// "localhost". IPWorks's lists may name hosts, but matching them would
	// need a DNS lookup per connection, which tlskit does not do.
	ErrHostName = errors.New("access: host names are not supported")
)

// EntryError reports the entry of a list that Parse rejected.
type EntryError struct {
	Index  int    // 0-based position of the entry in the comma-separated list
	Entry  string // the entry, trimmed of surrounding spaces
	Reason string // what is wrong with it and, where useful, what to do
	Err    error  // ErrMalformed or ErrHostName
}

func (e *EntryError) Error() string {
	return "access: entry " + strconv.Itoa(e.Index+1) + " " + strconv.Quote(e.Entry) + ": " + e.Reason
}

// Unwrap returns ErrMalformed or ErrHostName.
func (e *EntryError) Unwrap() error { return e.Err }
