package certs

import (
	"crypto/des"
	"crypto/md5"
	"crypto/sha1"
	"encoding/asn1"
	"fmt"
	"hash"
	"unicode/utf16"
)

// The password-based encryption schemes older than PBES2 that encrypted
// PKCS#8 keys still use: PKCS#12's (RFC 7292 appendix C, what `openssl
// pkcs8 -v1 PBE-SHA1-3DES` writes) and PKCS#5's PBES1 (RFC 8018 §6.1).
// Their RC2 and RC4 variants are refused: no maintained Go package
// implements those ciphers, and nothing writes them by default.
var (
	oidPBEWithSHAAnd3KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd2KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
	oidPBEWithMD5AndDESCBC           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
	oidPBEWithSHA1AndDESCBC          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}
)

// pbeParams are the parameters of both schemes (PKCS12PbeParams and
// PBEParameter have the same shape).
type pbeParams struct {
	Salt       []byte
	Iterations int
}

// legacyPBE is one of the older schemes: how it derives the key and IV.
type legacyPBE struct {
	name   string
	cipher cbcCipher
	derive func(password string, p pbeParams, keyLen int) (key, iv []byte)
}

var legacyPBEs = map[string]legacyPBE{
	oidPBEWithSHAAnd3KeyTripleDESCBC.String(): {"pbeWithSHAAnd3-KeyTripleDES-CBC", cbcCipher{24, des.NewTripleDESCipher}, pkcs12KeyIV},
	oidPBEWithSHAAnd2KeyTripleDESCBC.String(): {"pbeWithSHAAnd2-KeyTripleDES-CBC", cbcCipher{24, des.NewTripleDESCipher}, pkcs12TwoKeyIV},
	oidPBEWithMD5AndDESCBC.String():           {"pbeWithMD5AndDES-CBC", cbcCipher{8, des.NewCipher}, pbkdf1KeyIV(md5.New)},
	oidPBEWithSHA1AndDESCBC.String():          {"pbeWithSHA1AndDES-CBC", cbcCipher{8, des.NewCipher}, pbkdf1KeyIV(sha1.New)},
}

// legacyPBEParams parses and bounds the parameters of a legacy scheme.
func legacyPBEParams(raw []byte) (pbeParams, error) {
	var p pbeParams
	if rest, err := asn1.Unmarshal(raw, &p); err != nil || len(rest) != 0 {
		if err == nil {
			err = fmt.Errorf("%d bytes after the parameters", len(rest))
		}
		return p, err
	}
	if p.Iterations < 1 || p.Iterations > maxPBKDF2Iterations {
		return p, fmt.Errorf("iteration count %d is outside 1..%d", p.Iterations, maxPBKDF2Iterations)
	}
	return p, nil
}

// pkcs12KeyIV derives a 3DES key and IV with PKCS#12's KDF over SHA-1.
func pkcs12KeyIV(password string, p pbeParams, keyLen int) (key, iv []byte) {
	pw := bmpPassword(password)
	return pkcs12KDF(pw, p.Salt, 1, p.Iterations, keyLen), pkcs12KDF(pw, p.Salt, 2, p.Iterations, 8)
}

// pkcs12TwoKeyIV is pkcs12KeyIV for two-key 3DES: K1 K2 K1.
func pkcs12TwoKeyIV(password string, p pbeParams, _ int) (key, iv []byte) {
	k, iv := pkcs12KeyIV(password, p, 16)
	return append(k, k[:8]...), iv
}

// bmpPassword is the password as PKCS#12 hashes it: UTF-16 big-endian with
// a terminating zero character.
func bmpPassword(password string) []byte {
	u := utf16.Encode([]rune(password))
	out := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return append(out, 0, 0)
}

// pkcs12KDF is RFC 7292 appendix B.2 with SHA-1: n bytes
// of key material for purpose id (1 key, 2 IV).
func pkcs12KDF(password, salt []byte, id byte, iterations, n int) []byte {
	const v = 64 // SHA-1's block size; its output is 20 bytes
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	in := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < n {
		h := sha1.New()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for range iterations - 1 {
			s := sha1.Sum(a)
			a = s[:]
		}
		out = append(out, a...)
		if len(out) >= n {
			break
		}
		// I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
		b := fill(a)[:v]
		for j := 0; j < len(in); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				sum := int(in[j+k]) + int(b[k]) + carry
				in[j+k] = byte(sum)
				carry = sum >> 8
			}
		}
	}
	return out[:n]
}

// pbkdf1KeyIV derives a DES key and IV with PBKDF1 (RFC 8018 §5.1): the
// hash of password and salt, hashed again iterations − 1 times; the key is
// its first 8 bytes, the IV the next 8.
func pbkdf1KeyIV(newHash func() hash.Hash) func(string, pbeParams, int) ([]byte, []byte) {
	return func(password string, p pbeParams, _ int) ([]byte, []byte) {
		h := newHash()
		h.Write([]byte(password))
		h.Write(p.Salt)
		t := h.Sum(nil)
		for range p.Iterations - 1 {
			h.Reset()
			h.Write(t)
			t = h.Sum(t[:0])
		}
		return t[:8], t[8:16]
	}
}
