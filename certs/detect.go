package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// format is the decoder chosen by a StoreType.
type format int

const (
	formatNone      format = iota // unsupported store
	formatAuto                    // detect from the data
	formatPFX                     // PKCS#12
	formatJKS                     // Java KeyStore
	formatPEMKey                  // PEM or DER private key, optional certificates
	formatPublicKey               // PEM or DER certificates
	formatP7B                     // PKCS#7 certificate bundle
	formatJWK                     // JSON Web Key or key set
)

// kind is what sniff recognised in the data.
type kind int

const (
	kindUnknown kind = iota
	kindPEM
	kindJWK
	kindJKS
	kindJCEKS
	kindPFX
	kindP7B
	kindDERCert
	kindDERKey
	kindDEREncryptedKey
)

var kindNames = map[kind]string{
	kindPEM: "PEM", kindJWK: "JWK", kindJKS: "JKS", kindJCEKS: "JCEKS", kindPFX: "PKCS#12",
	kindP7B: "PKCS#7", kindDERCert: "DER certificate", kindDERKey: "DER private key",
	kindDEREncryptedKey: "DER encrypted private key",
}

// accepts lists the kinds each explicit store type may hold.
var accepts = map[format][]kind{
	formatPFX:       {kindPFX},
	formatJKS:       {kindJKS, kindJCEKS},
	formatPEMKey:    {kindPEM, kindDERKey, kindDEREncryptedKey, kindDERCert},
	formatPublicKey: {kindPEM, kindDERCert},
	formatP7B:       {kindP7B, kindPEM},
	formatJWK:       {kindJWK},
}

// contents is everything a store holds before pairing.
type contents struct {
	certs []*x509.Certificate
	keys  []crypto.Signer
}

func (c *contents) add(o *contents) {
	c.certs = append(c.certs, o.certs...)
	c.keys = append(c.keys, o.keys...)
}

var (
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	jksMagic      = uint32(0xFEEDFEED)
	jceksMagic    = uint32(0xCECECECE)
)

// sniff recognises the container in data without decoding it fully.
func sniff(data []byte) kind {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.Contains(data, []byte("-----BEGIN ")):
		return kindPEM
	case len(trimmed) > 0 && trimmed[0] == '{':
		return kindJWK
	case len(data) >= 4 && binary.BigEndian.Uint32(data) == jksMagic:
		return kindJKS
	case len(data) >= 4 && binary.BigEndian.Uint32(data) == jceksMagic:
		return kindJCEKS
	}
	return sniffDER(data)
}

// sniffDER classifies a DER structure by the shape of its first elements.
func sniffDER(data []byte) kind {
	in := cryptobyte.String(data)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return kindUnknown
	}
	switch {
	case seq.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER):
		var oid asn1.ObjectIdentifier
		if seq.ReadASN1ObjectIdentifier(&oid) && oid.Equal(oidSignedData) {
			return kindP7B
		}
	case seq.PeekASN1Tag(cbasn1.INTEGER):
		var v int64
		if !seq.ReadASN1Integer(&v) {
			return kindUnknown
		}
		switch {
		case v == 3 && seq.PeekASN1Tag(cbasn1.SEQUENCE):
			return kindPFX
		case (v == 0 || v == 1) && seq.PeekASN1Tag(cbasn1.SEQUENCE): // PKCS#8
			return kindDERKey
		case v == 0 && seq.PeekASN1Tag(cbasn1.INTEGER): // PKCS#1
			return kindDERKey
		case v == 1 && seq.PeekASN1Tag(cbasn1.OCTET_STRING): // SEC 1
			return kindDERKey
		}
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var inner cryptobyte.String
		if !seq.ReadASN1(&inner, cbasn1.SEQUENCE) {
			return kindUnknown
		}
		switch {
		case seq.PeekASN1Tag(cbasn1.SEQUENCE): // tbsCertificate, signatureAlgorithm
			return kindDERCert
		case seq.PeekASN1Tag(cbasn1.OCTET_STRING): // EncryptedPrivateKeyInfo
			return kindDEREncryptedKey
		}
	}
	return kindUnknown
}

// maxBase64 bounds the size of data tried as Base64 so that a large binary
// file is not copied needlessly.
const maxBase64 = 16 << 20

// unBase64 decodes data if it is entirely Base64 (standard or URL alphabet,
// whitespace ignored); ok is false otherwise.
func unBase64(data []byte) (decoded []byte, ok bool) {
	if len(data) > maxBase64 {
		return nil, false
	}
	compact := bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, data)
	if len(compact) == 0 {
		return nil, false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if out, err := enc.DecodeString(string(compact)); err == nil && len(out) > 0 {
			return out, true
		}
	}
	return nil, false
}

// decode reads every certificate and key in data as format f.
func decode(data []byte, f format, password string) (*contents, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, newError("parse", ErrUnknownFormat, "the input is empty", nil)
	}
	k := sniff(data)
	if !allowed(f, k) {
		if raw, ok := unBase64(data); ok {
			if k2 := sniff(raw); k2 != kindUnknown && allowed(f, k2) {
				data, k = raw, k2
			}
		}
	}
	if k == kindUnknown {
		return nil, newError("parse", ErrUnknownFormat,
			"the data is truncated or is not PEM, DER, PKCS#12, PKCS#7, JKS or JWK", nil)
	}
	if !allowed(f, k) {
		return nil, newError("parse", ErrUnknownFormat,
			fmt.Sprintf("the store type says %s but the data is %s: set the store type to auto (99) or the matching type", formatName(f), kindNames[k]), nil)
	}
	return decodeKind(data, k, password)
}

func allowed(f format, k kind) bool {
	if f == formatAuto {
		return k != kindUnknown
	}
	for _, a := range accepts[f] {
		if a == k {
			return true
		}
	}
	return false
}

func formatName(f format) string {
	switch f {
	case formatPFX:
		return "PKCS#12"
	case formatJKS:
		return "JKS"
	case formatPEMKey:
		return "PEM key"
	case formatPublicKey:
		return "certificate"
	case formatP7B:
		return "PKCS#7"
	case formatJWK:
		return "JWK"
	}
	return "auto"
}

func decodeKind(data []byte, k kind, password string) (*contents, error) {
	switch k {
	case kindPEM:
		return decodePEM(data, password)
	case kindJWK:
		return decodeJWK(data)
	case kindJKS:
		return decodeJKS(data, password)
	case kindJCEKS:
		return nil, newError("parse", ErrUnsupportedStore,
			"JCEKS key stores are not supported: convert with keytool -importkeystore -deststoretype PKCS12", nil)
	case kindPFX:
		return decodePFX(data, password)
	case kindP7B:
		return decodeP7B(data)
	case kindDERCert:
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			return nil, newError("parse", ErrUnknownFormat, "invalid DER certificate", err)
		}
		return &contents{certs: certs}, nil
	case kindDERKey:
		key, err := parsePrivateKeyDER(data)
		if err != nil {
			return nil, err
		}
		return &contents{keys: []crypto.Signer{key}}, nil
	case kindDEREncryptedKey:
		key, err := decryptPKCS8(data, password)
		if err != nil {
			return nil, err
		}
		return &contents{keys: []crypto.Signer{key}}, nil
	}
	return nil, newError("parse", ErrUnknownFormat, "", nil)
}
