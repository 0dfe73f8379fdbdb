package tlsconf

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/tlskit/tlskit/internal/errcode"
)

func TestErrorFormatAndUnwrap(t *testing.T) {
	t.Parallel()
	e := &Error{Err: ErrSignatureAlgorithm, Setting: "TLS13SignatureAlgorithms", Value: "rsa_pkcs1_sha256", Detail: "peer certificate 0", Cause: fs.ErrPermission}
	msg := e.Error()
	for _, part := range []string{"signature algorithm not allowed", "TLS13SignatureAlgorithms", `"rsa_pkcs1_sha256"`, "peer certificate 0", "permission denied"} {
		if !strings.Contains(msg, part) {
			t.Errorf("%q lacks %q", msg, part)
		}
	}
	if !errors.Is(e, ErrSignatureAlgorithm) || !errors.Is(e, fs.ErrPermission) || errors.Is(e, ErrUnknownCipher) {
		t.Fatal("errors.Is")
	}
	long := (&Error{Err: ErrInvalidValue, Value: strings.Repeat("x", 200) + "\xff"}).Error()
	if len(long) > 120 || !strings.Contains(long, "...") {
		t.Fatalf("long value not shortened: %q", long)
	}
	if withSetting(errors.New("plain"), "X").Error() != "plain" {
		t.Fatal("withSetting changed a foreign error")
	}
	named := withSetting(&Error{Err: ErrInvalidValue}, "SSLCipherStrength")
	var ne *Error
	if !errors.As(named, &ne) || ne.Setting != "SSLCipherStrength" {
		t.Fatal("withSetting did not name the setting")
	}
}

// ipworksCode is IPWorks's number of err, as server.Code gives it.
func ipworksCode(err error) int {
	n, _ := errcode.IPWorks(err)
	return n
}
