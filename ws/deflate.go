package ws

import "github.com/tlskit/tlskit/internal/wsproto"

// compressorLocked returns the connection's compressor, created at the
// first compressed message, or nil when this message is not compressed:
// permessage-deflate is off or the message is shorter than MinSize.
// Without context takeover the compressor takes a pooled flate writer per
// message, so an idle connection holds none.
func (c *Conn) compressorLocked(size int) (*wsproto.Compressor, error) {
	n := c.neg
	if n == nil || n.deflate == nil || size < c.opts.deflateMin() {
		return nil, nil
	}
	if n.comp == nil {
		comp, err := n.deflate.NewCompressor(c.role, c.opts.Deflate.Level)
		if err != nil {
			return nil, err
		}
		n.comp = comp
	}
	return n.comp, nil
}

// deflateState reports what compression state the connection keeps: the
// decompression dictionary's size and whether a flate writer is held.
func (c *Conn) deflateState() (retained int, writer bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.neg
	if n == nil {
		return 0, false
	}
	if n.decomp != nil {
		retained = n.decomp.Retained()
	}
	return retained, n.comp != nil && n.comp.HoldsWriter()
}
