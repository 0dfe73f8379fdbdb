package certs

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/tlskit/tlskit/internal/errcode"
)

func TestErrorIsByCode(t *testing.T) {
	t.Parallel()
	err := newError("decrypt", ErrWrongPassword, "hint", nil)
	if !errors.Is(err, ErrWrongPassword) || !errors.Is(err, ErrCannotOpenStore) {
		t.Errorf("%v should match ErrWrongPassword and ErrCannotOpenStore", err)
	}
	if errors.Is(err, ErrCertificateNotFound) {
		t.Errorf("%v should not match ErrCertificateNotFound", err)
	}
	want := "certs: decrypt x.pfx: wrong password or corrupted store: hint (error 271)"
	if got := withPath(err, "x.pfx").Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	cause := fs.ErrPermission
	err = newError("select", ErrCertificateNotFound, "", cause)
	if !errors.Is(err, fs.ErrPermission) || !errors.Is(err, ErrCertificateNotFound) {
		t.Errorf("%v should unwrap to its cause", err)
	}
	if got := (&Error{Op: "generate", Err: errors.New("bad")}).Error(); got != "certs: generate: bad" {
		t.Errorf("code 0 message = %q", got)
	}
}

// ipworksCode is IPWorks's number of err, as server.Code gives it.
func ipworksCode(err error) int {
	n, _ := errcode.IPWorks(err)
	return n
}
