package certs

import (
	"encoding/asn1"
	"errors"
	"testing"
)

func TestPFXMacIterationBound(t *testing.T) {
	t.Parallel()
	type macData struct {
		Digest     asn1.RawValue
		Salt       []byte
		Iterations int
	}
	type pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		Mac      macData
	}
	empty := asn1.RawValue{FullBytes: []byte{0x30, 0x00}}
	data, err := asn1.Marshal(pfx{Version: 3, AuthSafe: empty, Mac: macData{Digest: empty, Salt: []byte{1}, Iterations: 1 << 30}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(data, Options{Password: "x"})
	if !errors.Is(err, ErrUnknownFormat) || !contains(err.Error(), "iteration count") {
		t.Errorf("err = %v, want the iteration count refused", err)
	}
}

func TestPFXWithoutKey(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/certs.p12"
	openssl(t, "pkcs12", "-export", "-nokeys", "-in", "leaf1.pem", "-passout", "pass:x", "-out", path)
	_, err := Load(path, Options{Password: "x"})
	if !errors.Is(err, ErrUnsupportedStore) || !contains(err.Error(), "PEM or P7B") {
		t.Errorf("err = %v, want a clear unsupported error", err)
	}
}
