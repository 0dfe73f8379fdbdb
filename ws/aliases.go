package ws

import "github.com/tlskit/tlskit/internal/errcode"

// The seeds' names for what has a Go name here, kept for code ported from
// IPWorks WSServer (docs/porting.md maps the rest).

// SendBytes is the seed name (IPWorks WSServer.SendBytes); prefer SendMessage.
func (c *Conn) SendBytes(p []byte) (int, error) { return c.SendMessage(DataBinary, p) }

// SendText is the seed name (IPWorks WSServer.SendText); prefer SendMessage.
func (c *Conn) SendText(s string) (int, error) { return c.SendMessage(DataText, []byte(s)) }

// Disconnect is the seed name (IPWorks WSServer.Disconnect); prefer Close.
// It sends ConnOptions.DisconnectStatusCode and DisconnectStatusDescription.
func (c *Conn) Disconnect() error {
	code := c.opts.DisconnectStatusCode
	if code == 0 {
		code = CloseNormal
	}
	reason := c.opts.DisconnectStatusDescription
	if reason == "" {
		reason = code.Text()
	}
	return c.Close(code, reason)
}

// LocalPort is the seed name (IPWorks WSServer.LocalPort) of Addr's port,
// 0 when not listening; prefer Addr.
func (s *Server) LocalPort() int { return s.srv.LocalPort() }

// Code is the seed view (IPWorks WSServer's error numbers) of err: 0 for
// nil, 4202 for ErrSend, else server.Code's; prefer errors.Is with the
// conditions.
func Code(err error) int {
	n, _ := errcode.IPWorks(err)
	return n
}
