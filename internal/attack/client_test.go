//go:build attack && linux

package attack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// A WebSocket client written from RFC 6455 with nothing of tlskit's, so
// that it can do what no well-behaved client does.

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
)

// dialAttacker connects attacker i to s from its own source address, with
// a small receive buffer when rcvbuf > 0 (a client that does not read
// then stops the server's sends soon).
func dialAttacker(ctx context.Context, s *server, i, rcvbuf int) (*net.TCPConn, error) {
	d := net.Dialer{LocalAddr: attackAddr(i)}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			return errors.Join(err, serr)
		}
	}
	c, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// clientTLS is the configuration of every TLS client: the server's
// certificate is generated at start.
func clientTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}
}

// secureConn runs the TLS handshake on c when s speaks TLS.
func secureConn(ctx context.Context, s *server, c net.Conn) (net.Conn, error) {
	if !s.secure() {
		return c, nil
	}
	tc := tls.Client(c, clientTLS())
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// upgradeRequest is a valid opening handshake with key, plus extra header
// lines (each ending in CRLF).
func upgradeRequest(host, key, extra string) string {
	return "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

// newKey is a random Sec-WebSocket-Key.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// statusError is an answer other than 101 to an upgrade.
type statusError struct {
	code   int
	header http.Header
}

func (e *statusError) Error() string { return fmt.Sprintf("upgrade answered %d", e.code) }

// upgrade runs the opening handshake on c (TLS already done) and returns
// the 101 response; any other answer is a *statusError.
func upgrade(c net.Conn, br *bufio.Reader, host, extra string) (*http.Response, error) {
	key := newKey()
	if _, err := io.WriteString(c, upgradeRequest(host, key, extra)); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
		return nil, &statusError{resp.StatusCode, resp.Header}
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), base64.StdEncoding.EncodeToString(h[:]); got != want {
		return nil, fmt.Errorf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	return resp, nil
}

// appendFrame appends a masked client frame.
func appendFrame(b []byte, fin, rsv1 bool, op byte, p []byte) []byte {
	h0 := op
	if fin {
		h0 |= 0x80
	}
	if rsv1 {
		h0 |= 0x40
	}
	b = append(b, h0)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	mask := [4]byte{0x5a, 0x13, 0xc4, 0x7e}
	b = append(b, mask[:]...)
	for i, x := range p {
		b = append(b, x^mask[i%4])
	}
	return b
}

// writeFrame writes one masked client frame.
func writeFrame(w io.Writer, fin, rsv1 bool, op byte, p []byte) error {
	_, err := w.Write(appendFrame(nil, fin, rsv1, op, p))
	return err
}

// readFrame reads one server frame of at most max payload bytes.
func readFrame(br *bufio.Reader, max int64) (fin bool, op byte, p []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(br, h[:]); err != nil {
		return
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	if h[1]&0x80 != 0 {
		return fin, op, nil, errors.New("the server masked a frame")
	}
	n := int64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err = io.ReadFull(br, l[:]); err != nil {
			return
		}
		n = int64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err = io.ReadFull(br, l[:]); err != nil {
			return
		}
		n = int64(binary.BigEndian.Uint64(l[:]))
	}
	if n > max || n < 0 {
		return fin, op, nil, fmt.Errorf("a %d-byte frame, more than the %d expected", n, max)
	}
	p = make([]byte, n)
	_, err = io.ReadFull(br, p)
	return
}

// readClose reads frames until the server's Close and returns its code
// (1005 for an empty body). Data frames are skipped.
func readClose(br *bufio.Reader) (code int, reason string, err error) {
	for {
		_, op, p, err := readFrame(br, 1<<30)
		if err != nil {
			return 0, "", err
		}
		if op != opClose {
			continue
		}
		if len(p) < 2 {
			return 1005, "", nil
		}
		return int(binary.BigEndian.Uint16(p)), string(p[2:]), nil
	}
}

// legitEcho is what a legitimate client does: connect from 127.0.0.1,
// handshake, send a message and read its echo, all within ctx.
func legitEcho(ctx context.Context, s *server) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	rw, err := secureConn(ctx, s, c)
	if err != nil {
		return err
	}
	msg := fmt.Appendf(nil, "legitimate %d", time.Now().UnixNano())
	br := bufio.NewReader(rw)
	if !s.websocket() {
		if _, err := rw.Write(append(msg, '\n')); err != nil {
			return err
		}
		line, err := br.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("reading the echo: %w", err)
		}
		if !bytes.Equal(bytes.TrimSuffix(line, []byte("\n")), msg) {
			return fmt.Errorf("echo %q, want %q", line, msg)
		}
		return nil
	}
	if _, err := upgrade(rw, br, s.addr, ""); err != nil {
		return err
	}
	if err := writeFrame(rw, true, false, opText, msg); err != nil {
		return err
	}
	// In the broadcast modes other clients' messages may come first.
	for {
		_, op, p, err := readFrame(br, 64<<20)
		if err != nil {
			return fmt.Errorf("reading the echo: %w", err)
		}
		if op == opText && bytes.Equal(p, msg) {
			break
		}
		if op == opClose || op == opText && bytes.HasPrefix(p, []byte("legitimate ")) {
			return fmt.Errorf("echo opcode %d %q, want text %q", op, p, msg)
		}
	}
	_ = writeFrame(rw, true, false, opClose, []byte{0x03, 0xe8})
	return nil
}

// clientHello is the first flight of a TLS client: the bytes a dripping
// attacker sends one at a time.
func clientHello() []byte {
	var cc captureConn
	_ = tls.Client(&cc, clientTLS()).Handshake()
	return cc.buf.Bytes()
}

// captureConn records what is written to it and fails every read.
type captureConn struct{ buf bytes.Buffer }

func (c *captureConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *captureConn) Write(p []byte) (int, error)      { return c.buf.Write(p) }
func (c *captureConn) Close() error                     { return nil }
func (c *captureConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *captureConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *captureConn) SetDeadline(time.Time) error      { return nil }
func (c *captureConn) SetReadDeadline(time.Time) error  { return nil }
func (c *captureConn) SetWriteDeadline(time.Time) error { return nil }

// isClosed reports whether an error of a read or write means the server
// closed or reset the connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || strings.Contains(fmt.Sprint(err), "connection reset")
}
