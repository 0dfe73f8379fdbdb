package epoll

import (
	"errors"
	"io"
	"net"
	"os"

	"github.com/tlskit/tlskit/internal/engine"
	"golang.org/x/sys/unix"
)

var _ engine.FileSender = (*conn)(nil)

// maxSendfile bounds one sendfile(2) call (Linux takes at most about 2 GiB).
const maxSendfile = 1 << 30

// WriteFile sends f's bytes with sendfile(2) from the file's page cache to
// the socket, under c.mu as Write writes: only once the wire queue is
// empty, so that they follow what was queued before and precede what is
// queued after. A full socket buffer asks for EPOLLOUT, whose flush owes
// the OnWritable.
func (c *conn) WriteFile(f *os.File, off, n int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if c.closingLocked() || c.fd < 0 {
		return 0, net.ErrClosed
	}
	if c.tc != nil {
		return 0, errors.ErrUnsupported
	}
	if c.wire.len() > 0 && !c.flushing {
		c.writeWireLocked()
		if c.werr != nil {
			return 0, c.werr
		}
	}
	if c.wire.len() > 0 || c.flushing {
		c.wantW = true
		c.updateInterestLocked()
		return 0, engine.ErrWouldBlock
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, errors.ErrUnsupported
	}
	var done int64
	var serr error
	eof := false
	if cerr := rc.Control(func(ffd uintptr) {
		for done < n {
			o := off + done
			k, err := unix.Sendfile(c.fd, int(ffd), &o, int(min(n-done, maxSendfile)))
			if k > 0 {
				done += int64(k)
			}
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				serr = err
				return
			}
			if k == 0 {
				eof = true
				return
			}
		}
	}); cerr != nil {
		return 0, cerr // f is closed
	}
	if done > 0 {
		c.touch()
	}
	switch {
	case serr == unix.EAGAIN:
		c.wantW = true
		c.fileWait = true
		c.updateInterestLocked()
		return done, engine.ErrWouldBlock
	case done == 0 && (serr == unix.EINVAL || serr == unix.ENOSYS || serr == unix.EOPNOTSUPP):
		// f is not something sendfile reads (a pipe, say).
		return 0, errors.ErrUnsupported
	case serr != nil:
		c.failLocked(serr)
		return done, c.werr
	case eof:
		return done, io.EOF
	}
	return done, nil
}
