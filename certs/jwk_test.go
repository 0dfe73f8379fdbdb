package certs

import (
	"errors"
	"testing"
)

func TestJWKErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		data string
		want error
	}{
		{name: "invalid JSON", data: `{"kty":`, want: ErrUnknownFormat},
		{name: "symmetric key", data: `{"kty":"oct","k":"c2VjcmV0"}`, want: ErrUnknownFormat},
		{name: "public key without x5c", data: `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`, want: ErrCertificateNotFound},
		{name: "unknown kty", data: `{"kty":"XYZ"}`, want: ErrUnknownFormat},
		{name: "empty set", data: `{"keys":[]}`, want: ErrCertificateNotFound},
	} {
		_, err := Parse([]byte(tt.data), Options{})
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestJWKPrivateKeyPairs(t *testing.T) {
	t.Parallel()
	c, err := Parse(readFx(t, "leaf1.jwk"), Options{StoreType: StoreJWKBlob})
	if err != nil {
		t.Fatal(err)
	}
	if !c.PrivateKeyAvailable || !keyMatches(c.PrivateKey, c.Leaf) {
		t.Error("the JWK's private key was not paired with its x5c certificate")
	}
}
