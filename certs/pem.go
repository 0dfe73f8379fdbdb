package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
)

// decodePEM reads every block of a PEM file: certificates, PKCS#1, PKCS#8
// and SEC 1 keys, password-encrypted PKCS#8 keys, legacy "Proc-Type:
// 4,ENCRYPTED" keys and PKCS#7 bundles. Blocks of other types (EC
// PARAMETERS, PUBLIC KEY, CRLs) are skipped; if nothing usable remains the
// error lists what was found.
func decodePEM(data []byte, password string) (*contents, error) {
	c := &contents{}
	skipped := map[string]bool{}
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if err := decodePEMBlock(block, password, c); err != nil {
			return nil, err
		}
		if !usefulPEM(block.Type) {
			skipped[block.Type] = true
		}
	}
	if bytes.Contains(rest, []byte("-----BEGIN ")) {
		return nil, newError("parse", ErrUnknownFormat,
			"a PEM block is truncated or malformed (missing END line or bad Base64)", nil)
	}
	if len(c.certs) == 0 && len(c.keys) == 0 {
		types := make([]string, 0, len(skipped))
		for t := range skipped {
			types = append(types, t)
		}
		sort.Strings(types)
		hint := "the PEM data holds no certificate or private key"
		if len(types) > 0 {
			hint += " (found " + strings.Join(types, ", ") + ")"
		}
		return nil, newError("parse", ErrUnknownFormat, hint, nil)
	}
	return c, nil
}

func usefulPEM(t string) bool {
	switch t {
	case "CERTIFICATE", "X509 CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
		"ENCRYPTED PRIVATE KEY", "PKCS7", "CERTIFICATE CHAIN":
		return true
	}
	return false
}

func decodePEMBlock(block *pem.Block, password string, c *contents) error {
	switch block.Type {
	case "CERTIFICATE", "X509 CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return newError("parse", ErrUnknownFormat, "invalid certificate in PEM block", err)
		}
		c.certs = append(c.certs, cert)
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		der := block.Bytes
		if block.Headers["Proc-Type"] == "4,ENCRYPTED" {
			var err error
			if der, err = decryptLegacyPEM(block, password); err != nil {
				return err
			}
		}
		key, err := parsePrivateKeyDER(der)
		if err != nil {
			if block.Headers["Proc-Type"] == "4,ENCRYPTED" {
				return newError("decrypt", ErrWrongPassword, passwordHint("PEM key", password), nil)
			}
			return err
		}
		c.keys = append(c.keys, key)
	case "ENCRYPTED PRIVATE KEY":
		key, err := decryptPKCS8(block.Bytes, password)
		if err != nil {
			return err
		}
		c.keys = append(c.keys, key)
	case "PKCS7", "CERTIFICATE CHAIN":
		p7, err := decodeP7B(block.Bytes)
		if err != nil {
			return err
		}
		c.add(p7)
	}
	return nil
}

// parsePrivateKeyDER parses a PKCS#8, PKCS#1 or SEC 1 private key.
func parsePrivateKeyDER(der []byte) (crypto.Signer, error) {
	var key any
	var err error
	if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
		if k, err1 := x509.ParsePKCS1PrivateKey(der); err1 == nil {
			key, err = k, nil
		} else if k, err2 := x509.ParseECPrivateKey(der); err2 == nil {
			key, err = k, nil
		}
	}
	if err != nil {
		return nil, newError("parse", ErrUnknownFormat,
			"invalid private key (tried PKCS#8, PKCS#1 and SEC 1)", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, newError("parse", ErrUnknownFormat,
			fmt.Sprintf("unsupported private key type %T", key), nil)
	}
	return signer, nil
}

// passwordHint tells the user what to do about a password that did not work.
func passwordHint(what, password string) string {
	if password == "" {
		return "the " + what + " needs a password: pass Options.Password (--password)"
	}
	return "the password does not open the " + what + ": check Options.Password (--password)"
}
