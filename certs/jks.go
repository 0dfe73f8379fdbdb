package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
)

// decodeJKS reads a Java KeyStore: private key entries with their chains
// and trusted certificate entries. The store password also opens the keys
// (keytool's default); entries are read in alias order.
func decodeJKS(data []byte, password string) (*contents, error) {
	if err := checkJKS(data); err != nil {
		return nil, err
	}
	ks := keystore.New(keystore.WithOrderedAliases(), keystore.WithCaseExactAliases())
	err := guard(func() error { return ks.Load(bytes.NewReader(data), []byte(password)) })
	if err != nil {
		if strings.Contains(err.Error(), "invalid digest") {
			return nil, newError("decrypt", ErrWrongPassword, passwordHint("JKS store", password), nil)
		}
		return nil, newError("parse", ErrUnknownFormat, "the JKS data is truncated or corrupted", err)
	}
	c := &contents{}
	for _, alias := range ks.Aliases() {
		if ks.IsTrustedCertificateEntry(alias) {
			entry, err := ks.GetTrustedCertificateEntry(alias)
			if err != nil {
				return nil, newError("parse", ErrUnknownFormat, "bad JKS entry "+alias, err)
			}
			cert, err := x509.ParseCertificate(entry.Certificate.Content)
			if err != nil {
				return nil, newError("parse", ErrUnknownFormat, "bad certificate in JKS entry "+alias, err)
			}
			c.certs = append(c.certs, cert)
			continue
		}
		var entry keystore.PrivateKeyEntry
		err := guard(func() (err error) { entry, err = ks.GetPrivateKeyEntry(alias, []byte(password)); return err })
		if err != nil {
			return nil, newError("decrypt", ErrWrongPassword,
				"the store password does not open the key of entry "+alias+": keys with their own password are not supported", err)
		}
		key, err := parsePrivateKeyDER(entry.PrivateKey)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, key)
		for _, ch := range entry.CertificateChain {
			cert, err := x509.ParseCertificate(ch.Content)
			if err != nil {
				return nil, newError("parse", ErrUnknownFormat, "bad certificate in JKS entry "+alias, err)
			}
			c.certs = append(c.certs, cert)
		}
	}
	return c, nil
}

// checkJKS walks the JKS layout and checks that every length fits in the
// data, so that the decoder never allocates more than the input size.
func checkJKS(data []byte) error {
	bad := newError("parse", ErrUnknownFormat, "the JKS data is truncated or corrupted", nil)
	r := jksReader{b: data, ok: true}
	r.u32() // magic
	version := r.u32()
	n := r.u32()
	if version != 1 && version != 2 {
		return bad
	}
	for i := uint32(0); i < n && r.ok; i++ {
		tag := r.u32()
		r.skip(int(r.u16())) // alias
		r.skip(8)            // timestamp
		readCert := func() {
			if version == 2 {
				r.skip(int(r.u16())) // certificate type
			}
			r.skip(int(r.u32()))
		}
		switch tag {
		case 1:
			r.skip(int(r.u32())) // protected key
			certs := r.u32()
			for j := uint32(0); j < certs && r.ok; j++ {
				readCert()
			}
		case 2:
			readCert()
		default:
			return bad
		}
	}
	r.skip(20) // SHA-1 digest
	if !r.ok {
		return bad
	}
	return nil
}

type jksReader struct {
	b  []byte
	at int
	ok bool
}

// skip advances n bytes; it reports false (and stays false) past the end.
func (r *jksReader) skip(n int) bool {
	if !r.ok || n < 0 || n > len(r.b)-r.at {
		r.ok = false
		return false
	}
	r.at += n
	return true
}

func (r *jksReader) u32() uint32 {
	if !r.skip(4) {
		return 0
	}
	return binary.BigEndian.Uint32(r.b[r.at-4:])
}

func (r *jksReader) u16() uint16 {
	if !r.skip(2) {
		return 0
	}
	return binary.BigEndian.Uint16(r.b[r.at-2:])
}
