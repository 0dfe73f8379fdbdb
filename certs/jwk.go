package certs

import (
	"bytes"
	"crypto"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// decodeJWK reads a JSON Web Key or a key set ({"keys": [...]}). Certificates
// come from each key's "x5c" member; private keys (RSA, EC, OKP Ed25519) are
// kept for pairing. Public keys without x5c carry nothing this package can use.
func decodeJWK(data []byte) (*contents, error) {
	var probe struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, newError("parse", ErrUnknownFormat, "invalid JSON in JWK", err)
	}
	var keys []jose.JSONWebKey
	if probe.Keys != nil {
		var set jose.JSONWebKeySet
		if err := guard(func() error { return json.Unmarshal(data, &set) }); err != nil {
			return nil, newError("parse", ErrUnknownFormat, "invalid JWK set", err)
		}
		keys = set.Keys
	} else {
		var k jose.JSONWebKey
		if err := guard(func() error { return json.Unmarshal(bytes.TrimSpace(data), &k) }); err != nil {
			return nil, newError("parse", ErrUnknownFormat, "invalid JWK", err)
		}
		keys = []jose.JSONWebKey{k}
	}
	c := &contents{}
	for _, k := range keys {
		c.certs = append(c.certs, k.Certificates...)
		if k.IsPublic() {
			continue
		}
		signer, ok := k.Key.(crypto.Signer)
		if !ok {
			return nil, newError("parse", ErrUnknownFormat,
				fmt.Sprintf("JWK key type %T cannot sign (symmetric keys are not certificates)", k.Key), nil)
		}
		c.keys = append(c.keys, signer)
	}
	if len(c.certs) == 0 && len(c.keys) == 0 {
		return nil, newError("parse", ErrCertificateNotFound,
			"the JWK holds neither an x5c certificate chain nor a private key", nil)
	}
	return c, nil
}
