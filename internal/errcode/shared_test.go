package errcode_test

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/socket"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/ws"
)

// TestSharedConditions: each condition several packages name is one
// condition, whichever package's sentinel an error carries, and it has
// one number in each product.
func TestSharedConditions(t *testing.T) {
	t.Parallel()
	groups := []struct {
		name    string
		errs    []error // every package's name for the condition
		std     error   // the standard error it wraps, if any
		ipworks int
		xojo    socket.Code
	}{
		{"would block", []error{engine.ErrWouldBlock, server.ErrWouldBlock, ws.ErrWouldBlock, socket.ErrWouldBlock, socket.ErrBufferFull}, nil, 135, socket.CodeOutOfMemory},
		{"not connected", []error{server.ErrNotConnected, ws.ErrNotConnected, socket.ErrNotConnected}, net.ErrClosed, 10057, socket.CodeLostConnection},
		{"timed out", []error{server.ErrTimedOut, ws.ErrTimedOut, socket.ErrTimedOut}, os.ErrDeadlineExceeded, 10060, 110},
		{"handshake", []error{server.ErrHandshake, socket.ErrHandshake, server.ErrClientCertNotPresent, tlsconf.ErrGroupRejected}, nil, 276, socket.CodeHandshake},
		{"certificate rejected", []error{server.ErrCertificateRejected, socket.ErrVerify, certs.ErrExpired, certs.ErrNotYetValid,
			tlsconf.ErrSignatureAlgorithm, socket.ErrRevoked, socket.ErrRevocationUnknown, socket.ErrRejected}, nil, 280, socket.CodeVerify},
		{"interrupted", []error{server.ErrInterrupted, ws.ErrInterrupted}, nil, 10004, 4},
		{"invalid connection id", []error{server.ErrInvalidConnectionID, ws.ErrInvalidConnectionID}, nil, 126, socket.CodeDriver},
	}
	for _, g := range groups {
		first := g.errs[0]
		for _, err := range g.errs {
			if !errors.Is(err, first) {
				t.Errorf("%s: errors.Is(%q, %q) is false", g.name, err, first)
			}
			if g.std != nil && !errors.Is(err, g.std) {
				t.Errorf("%s: %q does not match %v", g.name, err, g.std)
			}
		}
		// The numbers of the group's base condition.
		if got := server.Code(first); got != g.ipworks {
			t.Errorf("%s: server.Code = %d, want %d", g.name, got, g.ipworks)
		}
		if got := ws.Code(first); got != g.ipworks {
			t.Errorf("%s: ws.Code = %d, want %d", g.name, got, g.ipworks)
		}
		if got := socket.ErrorCode(first); got != g.xojo {
			t.Errorf("%s: socket.ErrorCode = %d, want %d", g.name, got, g.xojo)
		}
	}
	var ne net.Error
	if !errors.As(server.ErrTimedOut, &ne) || !ne.Timeout() {
		t.Error("server.ErrTimedOut is not a net.Error timeout")
	}
	// Distinct conditions stay distinct.
	if errors.Is(server.ErrHandshake, server.ErrCertificateRejected) || errors.Is(server.ErrWouldBlock, server.ErrNotConnected) ||
		errors.Is(server.ErrTimedOut, server.ErrNotConnected) || errors.Is(server.ErrHandshake, server.ErrClientCertNotPresent) {
		t.Error("distinct conditions match each other")
	}
	if server.Code(server.ErrClientCertNotPresent) != 281 {
		t.Errorf("ErrClientCertNotPresent: %d, want 281", server.Code(server.ErrClientCertNotPresent))
	}
}

// TestSocketCodes: socket's named codes are the numbers of its conditions.
func TestSocketCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		code socket.Code
	}{
		{socket.ErrLostConnection, socket.CodeLostConnection},
		{socket.ErrCannotResolve, socket.CodeCannotResolve},
		{socket.ErrAddressInUse, socket.CodeAddressInUse},
		{socket.ErrInvalidState, socket.CodeInvalidState},
		{socket.ErrInvalidPort, socket.CodeInvalidPort},
		{socket.ErrOutOfMemory, socket.CodeOutOfMemory},
		{socket.ErrHandshake, socket.CodeHandshake},
		{socket.ErrVerify, socket.CodeVerify},
		{nil, socket.CodeNone},
	} {
		if got := socket.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
	}
}
