package tlsrecord

import "net"

// Conn is a net.Conn that reports the TLS records read from and written to
// the conn under it: put it under a tls.Conn. Reads and writes are each
// made by one goroutine at a time (crypto/tls serialises each direction).
type Conn struct {
	net.Conn
	in, out Splitter
	fn      func(in bool, r Record)
}

// Wrap returns c reporting each record to fn (in: received), with bodies
// when bodies is true. fn must not block.
func Wrap(c net.Conn, fn func(in bool, r Record), bodies bool) *Conn {
	w := &Conn{Conn: c, fn: fn}
	w.in.KeepBodies, w.out.KeepBodies = bodies, bodies
	return w
}

func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.in.Feed(p[:n], c.reportIn)
	}
	return n, err
}

func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.out.Feed(p[:n], c.reportOut)
	}
	return n, err
}

func (c *Conn) reportIn(r Record)  { c.fn(true, r) }
func (c *Conn) reportOut(r Record) { c.fn(false, r) }
