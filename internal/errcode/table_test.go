package errcode

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestTableCodes pins each condition's documented numbers.
func TestTableCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cond          *Condition
		ipworks, xojo int
	}{
		{WouldBlock, 135, 108},
		{NotConnected, 10057, 102},
		{TimedOut, 10060, int(syscall.ETIMEDOUT)},
		{Interrupted, 10004, int(syscall.EINTR)},
		{Aborted, 10053, 100},
		{Handshake, 276, 276},
		{CertificateRejected, 280, 280},
		{ClientCertNotPresent, 281, 276},
		{NoCertificate, 282, 282},
		{AlreadyListening, 104, 100},
		{LocalPortListening, 106, 100},
		{LocalHostListening, 107, 100},
		{MaxConnListening, 108, 100},
		{InvalidMaxLine, 112, 100},
		{InvalidConnectionID, 126, 100},
		{Send, 4202, 100},
		{LostConnection, 10053, 102},
		{CannotResolve, 10053, 103},
		{AddressInUse, 10048, 105},
		{InvalidState, 10053, 106},
		{InvalidPort, 10053, 107},
		{OutOfMemory, 10055, 108},
		{CannotOpenStore, 271, 271},
		{CertificateNotFound, 272, 272},
		{CannotAcquireCredentials, 273, 273},
		{Expired, 280, 280},
		{NotYetValid, 280, 280},
	}
	for _, tt := range tests {
		// A condition wrapped with data keeps its numbers.
		for _, err := range []error{tt.cond, With(tt.cond, errors.New("detail")), fmt.Errorf("op: %w", tt.cond)} {
			if got, _ := IPWorks(err); got != tt.ipworks {
				t.Errorf("IPWorks(%v) = %d, want %d", err, got, tt.ipworks)
			}
			if got := Xojo(err); got != tt.xojo {
				t.Errorf("Xojo(%v) = %d, want %d", err, got, tt.xojo)
			}
		}
	}
}

// TestTableNumbersDistinct: within a product, two rows share a number only
// where the table says so.
func TestTableNumbersDistinct(t *testing.T) {
	t.Parallel()
	shared := map[[2]int]bool{
		{1, 276}: true, // Xojo: ClientCertNotPresent is a handshake failure
		{1, 108}: true, // Xojo: a full send buffer and a lack of memory
	}
	seen := map[[2]int]*Condition{}
	for _, e := range Table {
		for col, n := range []int{e.IPWorks, e.Xojo} {
			if n == 0 {
				continue
			}
			k := [2]int{col, n}
			if prev := seen[k]; prev != nil && !shared[k] {
				t.Errorf("column %d: %d is both %q and %q", col, n, prev, e.Cond)
			}
			seen[k] = e.Cond
		}
		if e.Desc == "" {
			t.Errorf("%q has no description", e.Cond)
		}
	}
}

// TestFallbacks: errors of the standard library get the numbers the
// products give them.
func TestFallbacks(t *testing.T) {
	t.Parallel()
	reset := &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	tests := []struct {
		err           error
		ipworks, xojo int
	}{
		{nil, 0, 0},
		{reset, 10054, int(syscall.ECONNRESET)},
		{os.ErrDeadlineExceeded, 10060, int(syscall.ETIMEDOUT)},
		{net.ErrClosed, 10057, 102},
		{io.EOF, 10053, 102},
		{&net.DNSError{Err: "no such host", Name: "x.invalid"}, 10053, 103},
		{errors.New("other"), 10053, 100},
	}
	for _, tt := range tests {
		if got, _ := IPWorks(tt.err); got != tt.ipworks {
			t.Errorf("IPWorks(%v) = %d, want %d", tt.err, got, tt.ipworks)
		}
		if got := Xojo(tt.err); got != tt.xojo {
			t.Errorf("Xojo(%v) = %d, want %d", tt.err, got, tt.xojo)
		}
	}
}

// TestConditionsWrapStandard: the conditions match the standard errors
// they stand for, and a timeout is a net.Error whose Timeout is true.
func TestConditionsWrapStandard(t *testing.T) {
	t.Parallel()
	if !errors.Is(NotConnected, net.ErrClosed) || !errors.Is(With(NotConnected, io.EOF), net.ErrClosed) {
		t.Error("NotConnected does not match net.ErrClosed")
	}
	timeout := With(TimedOut, errors.New("idle"))
	var ne net.Error
	if !errors.Is(timeout, os.ErrDeadlineExceeded) || !errors.As(timeout, &ne) || !ne.Timeout() {
		t.Errorf("TimedOut: errors.Is deadline %v, net.Error %v", errors.Is(timeout, os.ErrDeadlineExceeded), ne)
	}
	if ne, ok := error(With(Handshake, os.ErrDeadlineExceeded)).(net.Error); !ok || !ne.Timeout() {
		t.Error("a handshake failure by timeout is not a timeout")
	}
	if ne, ok := error(With(Handshake, io.EOF)).(net.Error); !ok || ne.Timeout() {
		t.Error("a handshake failure by EOF is a timeout")
	}
	if !errors.Is(ClientCertNotPresent, Handshake) || errors.Is(Handshake, ClientCertNotPresent) {
		t.Error("ClientCertNotPresent is not a handshake failure")
	}
	if got := With(TimedOut, errors.New("idle")).Error(); got != "connection timed out: idle" {
		t.Errorf("With message %q", got)
	}
}
