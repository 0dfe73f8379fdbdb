package portable

import (
	"errors"
	"io"
	"net"
	"os"

	"github.com/tlskit/tlskit/internal/engine"
)

var _ engine.FileSender = (*conn)(nil)

// WriteFile gives the writer up to QueueSize bytes of f to send by io.Copy
// to the *net.TCPConn, which sends a file with sendfile(2) (or splice) where
// the OS has it. It takes them only when the queue is empty and no write
// runs, so that they follow what was queued before; Writes made meanwhile
// queue behind them. The writer sends from a duplicate of f's descriptor,
// so f may be closed at once; a job that cannot start (the connection
// ends) closes it unsent.
func (c *conn) WriteFile(f *os.File, off, n int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refusedLocked(); err != nil {
		return 0, err
	}
	if _, ok := c.rw.(*net.TCPConn); !ok || !c.open || c.tlsConn != nil {
		return 0, errors.ErrUnsupported
	}
	if c.writing || c.queuedLocked() > 0 {
		c.wantWritable = true
		return 0, engine.ErrWouldBlock
	}
	k := min(n, int64(c.limit))
	if k <= 0 {
		return 0, nil
	}
	dup, err := dupFile(f)
	if err != nil {
		return 0, err
	}
	c.file, c.fileOff, c.fileLeft = dup, off, k
	c.kickWriter()
	if k < n {
		c.wantWritable = true
		return k, engine.ErrWouldBlock
	}
	return k, nil
}

// writeFile is the writer's file job: c.fileLeft bytes of c.file from
// c.fileOff, copied to the socket. A file that ends first is a failed
// write (the bytes were promised).
func (c *conn) writeFile() (int, error) {
	c.mu.Lock()
	f, off, want := c.file, c.fileOff, c.fileLeft
	w, _ := c.rw.(*net.TCPConn)
	c.mu.Unlock()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.Copy(w, io.LimitReader(f, want))
	if err == nil && n < want {
		err = io.ErrUnexpectedEOF
	}
	return int(n), err
}

// dropFileLocked closes the file job's descriptor, if any; c.mu is held.
func (c *conn) dropFileLocked() {
	if c.file != nil {
		_ = c.file.Close()
		c.file, c.fileOff, c.fileLeft = nil, 0, 0
	}
}
