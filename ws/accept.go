package ws

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// acceptRequest runs the server side of the opening handshake for a
// validated request: the OnWebSocketOpenRequest hook, subprotocol and
// permessage-deflate negotiation. It returns the response bytes and, when
// the connection is accepted, opens c. The response is appended to dst.
// hr is the net/http request of a Handler's upgrade, nil on a standalone
// Server.
func (c *Conn) acceptRequest(dst []byte, req *wsproto.UpgradeRequest, hr *http.Request) (resp []byte, ok bool) {
	c.mu.Lock()
	c.req = req
	c.mu.Unlock()
	if c.logs(LogVerbose) {
		c.logf(LogVerbose, "Verbose", "%s %s %s Host=%s Origin=%q protocols=%v extensions=%q",
			req.Method, req.URI, req.Proto, req.Host, req.Origin, req.Protocols, wsproto.FormatExtensions(req.Extensions))
	}
	if err := c.opts.origin.check(req.Origin, req.Host); err != nil {
		c.logf(LogInfo, "Info", "refused %s with 403: %v", req.URI, err)
		b, _ := wsproto.AppendReject(dst, http.StatusForbidden, nil, err.Error()+"\n")
		return b, false
	}
	// Without the hook the request is accepted as is, and neither the
	// OpenRequest nor its header map is built.
	ao := wsproto.AcceptOptions{}
	if c.events.OnWebSocketOpenRequest != nil {
		or := &OpenRequest{
			Conn: c, Request: hr, URI: req.URI, Host: req.Host, Origin: req.Origin,
			Protocols: req.Protocols, Extensions: req.Extensions, Header: req.Header(),
			StatusCode: http.StatusSwitchingProtocols,
		}
		if !c.call("OnWebSocketOpenRequest", func() { c.events.OnWebSocketOpenRequest(or) }) {
			b, _ := wsproto.AppendReject(dst, http.StatusInternalServerError, nil, "")
			return b, false
		}
		if or.StatusCode != http.StatusSwitchingProtocols {
			c.logf(LogInfo, "Info", "refused %s with %d", req.URI, or.StatusCode)
			b, err := wsproto.AppendReject(dst, or.StatusCode, or.ResponseHeader, or.ResponseBody)
			if err != nil {
				c.reportError(fmt.Errorf("%w: %w", ErrInvalidValue, err))
				b, _ = wsproto.AppendReject(dst, http.StatusInternalServerError, nil, "")
			}
			return b, false
		}
		if or.Protocol != "" && !slices.Contains(req.Protocols, or.Protocol) {
			c.reportError(fmt.Errorf("%w: subprotocol %q was not offered (offered %s)", ErrInvalidValue, or.Protocol, strings.Join(req.Protocols, ", ")))
			b, _ := wsproto.AppendReject(dst, http.StatusInternalServerError, nil, "")
			return b, false
		}
		ao = wsproto.AcceptOptions{Protocol: or.Protocol, Header: or.ResponseHeader}
	}
	var params *wsproto.DeflateParams
	if !c.opts.DisablePermessageDeflate {
		ext, p, ok, err := c.opts.Deflate.config().Negotiate(req.Extensions)
		if err != nil {
			c.reportError(err)
		} else if ok {
			ao.Extensions = []wsproto.Extension{ext}
			params = &p
		}
	}
	b, err := wsproto.AppendAccept(dst, req, ao)
	if err != nil {
		c.reportError(err)
		b, _ = wsproto.AppendReject(dst, http.StatusInternalServerError, nil, "")
		return b, false
	}
	c.setHandshake(ao.Protocol, ao.Extensions, ao.Header)
	c.open(params)
	if c.logs(LogInfo) {
		c.logf(LogInfo, "Info", "WebSocket open: %s protocol=%q extensions=%q", req.URI, ao.Protocol, wsproto.FormatExtensions(ao.Extensions))
	}
	return b, true
}

// opened fires the events that follow a successful handshake.
func (c *Conn) opened() {
	if h := c.events.OnConnected; h != nil && !c.call("OnConnected", func() { h(c) }) {
		return
	}
	c.fireReady()
}

// refused reports a handshake that failed validation.
func (c *Conn) refused(err error) []byte {
	c.reportError(err)
	if he, ok := err.(*wsproto.HandshakeError); ok {
		return he.AppendResponse(nil)
	}
	b, _ := wsproto.AppendReject(nil, http.StatusBadRequest, nil, "")
	return b
}
