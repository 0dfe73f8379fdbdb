package certs

import "github.com/smallstep/pkcs7"

// decodeP7B reads the certificates of a DER PKCS#7 SignedData bundle
// (.p7b, .p7c), as written by `openssl crl2pkcs7 -nocrl -certfile`.
func decodeP7B(der []byte) (*contents, error) {
	var p7 *pkcs7.PKCS7
	err := guard(func() (err error) { p7, err = pkcs7.Parse(der); return err })
	if err != nil {
		return nil, newError("parse", ErrUnknownFormat, "the PKCS#7 data is truncated or corrupted", err)
	}
	if len(p7.Certificates) == 0 {
		return nil, newError("parse", ErrCertificateNotFound, "the PKCS#7 bundle holds no certificate", nil)
	}
	return &contents{certs: p7.Certificates}, nil
}
