package certs

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"
)

// maxPFXMacIterations bounds the MAC work a hostile PFX can demand before
// the password is checked.
const maxPFXMacIterations = 2_000_000

// decodePFX reads a PKCS#12 file: modern (PBES2 with AES, OpenSSL 3's
// default) and legacy (PKCS#12 PBE with 3DES or RC2, `openssl pkcs12
// -legacy`). The file must hold one private key with its chain, or be a
// Java trust store (certificates only).
func decodePFX(data []byte, password string) (*contents, error) {
	if err := checkPFXMac(data); err != nil {
		return nil, err
	}
	var key any
	var leaf *x509.Certificate
	var chain []*x509.Certificate
	err := guard(func() (err error) {
		key, leaf, chain, err = pkcs12.DecodeChain(data, password)
		return err
	})
	if err != nil && strings.Contains(err.Error(), "private key missing") {
		var certs []*x509.Certificate
		if err2 := guard(func() (err error) { certs, err = pkcs12.DecodeTrustStore(data, password); return err }); err2 == nil {
			return &contents{certs: certs}, nil
		}
		return nil, newError("parse", ErrUnsupportedStore,
			"the PKCS#12 file holds no private key and is not a Java trust store: bundle certificates without keys as PEM or P7B instead", nil)
	}
	if err != nil {
		return nil, pfxError(err, password)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, newError("parse", ErrUnknownFormat,
			fmt.Sprintf("unsupported private key type %T in PKCS#12", key), nil)
	}
	return &contents{certs: append([]*x509.Certificate{leaf}, chain...), keys: []crypto.Signer{signer}}, nil
}

func pfxError(err error, password string) error {
	var notImpl pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return newError("decrypt", ErrWrongPassword, passwordHint("PFX", password), nil)
	case strings.Contains(err.Error(), "exactly one key bag"):
		return newError("parse", ErrUnsupportedStore,
			"PKCS#12 files with more than one private key are not supported: split them with openssl pkcs12", err)
	case errors.As(err, &notImpl):
		return newError("parse", ErrUnsupportedStore, "this PKCS#12 variant is not supported", err)
	}
	return newError("parse", ErrUnknownFormat, "the PKCS#12 data is truncated or corrupted", err)
}

// checkPFXMac rejects PFX files whose MAC iteration count would make the
// password check take unreasonably long.
func checkPFXMac(data []byte) error {
	in := cryptobyte.String(data)
	var pfx, authSafe, mac cryptobyte.String
	var version int64
	if !in.ReadASN1(&pfx, cbasn1.SEQUENCE) || !pfx.ReadASN1Integer(&version) ||
		!pfx.ReadASN1(&authSafe, cbasn1.SEQUENCE) {
		return newError("parse", ErrUnknownFormat, "the PKCS#12 data is truncated or corrupted", nil)
	}
	if pfx.Empty() {
		return nil
	}
	var digest, salt cryptobyte.String
	if !pfx.ReadASN1(&mac, cbasn1.SEQUENCE) || !mac.ReadASN1(&digest, cbasn1.SEQUENCE) ||
		!mac.ReadASN1(&salt, cbasn1.OCTET_STRING) {
		return newError("parse", ErrUnknownFormat, "the PKCS#12 MAC is malformed", nil)
	}
	iterations := int64(1)
	if !mac.Empty() && !mac.ReadASN1Integer(&iterations) {
		return newError("parse", ErrUnknownFormat, "the PKCS#12 MAC is malformed", nil)
	}
	if iterations < 1 || iterations > maxPFXMacIterations {
		return newError("parse", ErrUnknownFormat,
			fmt.Sprintf("PKCS#12 MAC iteration count %d is outside 1..%d", iterations, maxPFXMacIterations), nil)
	}
	return nil
}

// guard runs a third-party decoder and turns a panic on hostile input into
// an error, so that this package never panics on bad data.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panicked on malformed input: %v", r)
		}
	}()
	return f()
}
