package loadgen

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// wsConn is a minimal WebSocket client connection built on wsproto: binary
// messages out (masked), whole messages in, pings answered, a server Close
// reported as errServerClosed. With permessage-deflate negotiated every
// message is sent compressed and compressed messages are inflated.
type wsConn struct {
	net.Conn
	dec     *wsproto.Decoder
	rbuf    []byte
	lent    bool // rbuf is fed to dec and not fully consumed
	msg     []byte
	zmsg    []byte     // a compressed message being received
	wmu     sync.Mutex // WriteMsg and pong replies
	enc     wsproto.Encoder
	wbuf    []byte
	zbuf    []byte // WriteMsg's compressed payload
	maskRNG *rand.ChaCha8
	comp    *wsproto.Compressor   // nil: permessage-deflate not negotiated
	decomp  *wsproto.Decompressor // set with comp
}

// maxWSMessage bounds a received message, compressed or inflated.
const maxWSMessage = 64 << 20

// deflateOffer is what Options.Deflate offers: no context takeover in
// either direction, so that neither end keeps compression state between
// messages (the setting that costs an idle connection least).
var deflateOffer = wsproto.DeflateConfig{ServerNoContextTakeover: true, ClientNoContextTakeover: true}

// wsHandshake runs the client opening handshake on c, offering
// permessage-deflate when deflate is set.
func wsHandshake(ctx context.Context, c net.Conn, t target, deflate bool) (*wsConn, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
		defer c.SetDeadline(time.Time{})
	}
	hs := wsproto.NewClientHandshake(t.addr, t.uri)
	var offer wsproto.Extension
	if deflate {
		var err error
		if offer, err = deflateOffer.Offer(); err != nil {
			return nil, err
		}
		hs.Extensions = []wsproto.Extension{offer}
	}
	req, err := hs.AppendRequest(nil)
	if err != nil {
		return nil, err
	}
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	var seed [32]byte
	crand.Read(seed[:])
	w := &wsConn{
		Conn:    c,
		dec:     wsproto.NewDecoder(wsproto.RoleClient, wsproto.DecoderOptions{MaxMessageSize: maxWSMessage}),
		rbuf:    make([]byte, 4096),
		maskRNG: rand.NewChaCha8(seed),
	}
	// A ChaCha8 stream per connection gives unpredictable masks (RFC 6455
	// §10.3) without a crypto/rand call per frame.
	w.enc = wsproto.Encoder{Role: wsproto.RoleClient, MaxFrameSize: -1, MaskKey: func() (k [4]byte) {
		w.maskRNG.Read(k[:])
		return k
	}}
	var p wsproto.ResponseParser
	for {
		n, err := c.Read(w.rbuf)
		if err != nil {
			return nil, fmt.Errorf("reading the upgrade response: %w", err)
		}
		resp, rest, err := p.Feed(w.rbuf[:n])
		if err != nil {
			return nil, err
		}
		if resp == nil {
			continue
		}
		if err := hs.Check(resp); err != nil {
			return nil, err
		}
		if err := w.acceptExtensions(offer, resp.Extensions); err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			w.dec.Feed(rest)
			w.lent = true
		}
		return w, nil
	}
}

// acceptExtensions checks the extensions the server accepted (hs.Check
// has made sure they were offered) and sets up permessage-deflate when
// it is among them. The server's parameters must answer our offer (RFC
// 7692 §7); a second permessage-deflate element is an error.
func (w *wsConn) acceptExtensions(offer wsproto.Extension, exts []wsproto.Extension) error {
	for _, e := range exts {
		if e.Name != wsproto.DeflateExtensionName || w.comp != nil {
			return &wsproto.HandshakeError{Msg: fmt.Sprintf("server accepted extension %q, which was not offered or was accepted twice", e.String()), Err: wsproto.ErrBadHandshake}
		}
		params, err := wsproto.AcceptDeflateResponse(offer, e)
		if err != nil {
			return err
		}
		if w.comp, err = params.NewCompressor(wsproto.RoleClient, 0); err != nil {
			return err
		}
		w.decomp = params.NewDecompressor(wsproto.RoleClient)
		w.dec.SetCompression(true)
	}
	return nil
}

// Deflated reports whether permessage-deflate was negotiated.
func (w *wsConn) Deflated() bool { return w.comp != nil }

func (w *wsConn) WriteMsg(p []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	compressed := w.comp != nil
	if compressed {
		w.zbuf = w.comp.Compress(w.zbuf[:0], p)
		p = w.zbuf
	}
	var err error
	if w.wbuf, err = w.enc.AppendMessage(w.wbuf[:0], wsproto.OpBinary, p, compressed); err != nil {
		return err
	}
	_, err = w.Conn.Write(w.wbuf)
	return err
}

func (w *wsConn) writeControl(op wsproto.Opcode, payload []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	b, err := w.enc.AppendControl(nil, op, payload)
	if err != nil {
		return err
	}
	_, err = w.Conn.Write(b)
	return err
}

func (w *wsConn) ReadMsg(buf []byte) ([]byte, error) {
	w.msg = buf[:0]
	for {
		if !w.lent {
			n, err := w.Conn.Read(w.rbuf)
			if n == 0 {
				if err == nil {
					continue
				}
				return nil, err
			}
			w.dec.Feed(w.rbuf[:n])
			w.lent = true
		}
		for {
			ch, ok, err := w.dec.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				w.lent = false
				break
			}
			switch ch.Header.Opcode {
			case wsproto.OpPing:
				if err := w.writeControl(wsproto.OpPong, ch.Data); err != nil {
					return nil, err
				}
				continue
			case wsproto.OpPong:
				continue
			case wsproto.OpClose:
				return nil, errServerClosed
			}
			if !ch.Compressed {
				w.msg = append(w.msg, ch.Data...)
				if ch.EndOfMessage() {
					return w.msg, nil
				}
				continue
			}
			w.zmsg = append(w.zmsg, ch.Data...)
			if ch.EndOfMessage() {
				w.msg, err = w.decomp.Decompress(w.msg, w.zmsg, maxWSMessage)
				w.zmsg = w.zmsg[:0]
				if err != nil {
					return nil, err
				}
				return w.msg, nil
			}
		}
	}
}

// Shutdown runs the closing handshake (RFC 6455 §7.1.1): send a Close
// frame, read until the server's Close frame or the end of the stream,
// and then close, so that the server, which closes the TCP connection
// first, does not get a reset for a frame it sent after ours.
func (w *wsConn) Shutdown(timeout time.Duration) error {
	b, err := w.enc.AppendClose(nil, wsproto.CloseNormal, "")
	if err != nil {
		return w.Conn.Close()
	}
	// A server that answers at all answers within a round trip; do not
	// let one that never does stall a handshake loop for long.
	w.Conn.SetDeadline(time.Now().Add(min(timeout, time.Second)))
	if _, err := w.Conn.Write(b); err == nil {
		for {
			if _, err := w.ReadMsg(nil); err != nil {
				break // errServerClosed, EOF or the deadline
			}
		}
	}
	return w.Conn.Close()
}

// Close sends a normal Close frame, best effort and only when no write is
// in progress (a blocked write means Close is breaking it), then closes.
func (w *wsConn) Close() error {
	if w.wmu.TryLock() {
		if b, err := w.enc.AppendClose(nil, wsproto.CloseNormal, ""); err == nil {
			w.Conn.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			w.Conn.Write(b)
		}
		w.wmu.Unlock()
	}
	return w.Conn.Close()
}
