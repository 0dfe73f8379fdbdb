package certs

import (
	"bytes"
	"crypto"
	//lint:ignore SA1019 only used to report the key length of old DSA certificates
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// DateLayout is the time layout of IPWorks's EffectiveDate and
// ExpirationDate strings, "23-Jan-2000 15:00:00". IPWorks shows them in the
// local time zone: c.ExpirationDate.Local().Format(DateLayout).
const DateLayout = "02-Jan-2006 15:04:05"

// UsageFlags holds the key usage bits of a certificate with the values of
// IPWorks's Certificate.UsageFlags: the first byte of the X.509 KeyUsage bit
// string, plus UsageDecipherOnly from the second byte as on Windows.
type UsageFlags int

// Key usage bits, with IPWorks's values.
const (
	UsageDigitalSignature UsageFlags = 0x80
	UsageNonRepudiation   UsageFlags = 0x40
	UsageKeyEncipherment  UsageFlags = 0x20
	UsageDataEncipherment UsageFlags = 0x10
	UsageKeyAgreement     UsageFlags = 0x08
	UsageCertSigning      UsageFlags = 0x04
	UsageCRLSigning       UsageFlags = 0x02
	UsageEncipherOnly     UsageFlags = 0x01
	UsageDecipherOnly     UsageFlags = 0x8000 // not in IPWorks's list; Windows' value
)

var usageNames = []struct {
	flag UsageFlags
	x509 x509.KeyUsage
	name string
}{
	{UsageDigitalSignature, x509.KeyUsageDigitalSignature, "Digital Signature"},
	{UsageNonRepudiation, x509.KeyUsageContentCommitment, "Non-Repudiation"},
	{UsageKeyEncipherment, x509.KeyUsageKeyEncipherment, "Key Encipherment"},
	{UsageDataEncipherment, x509.KeyUsageDataEncipherment, "Data Encipherment"},
	{UsageKeyAgreement, x509.KeyUsageKeyAgreement, "Key Agreement"},
	{UsageCertSigning, x509.KeyUsageCertSign, "Certificate Signing"},
	{UsageCRLSigning, x509.KeyUsageCRLSign, "CRL Signing"},
	{UsageEncipherOnly, x509.KeyUsageEncipherOnly, "Encipher Only"},
	{UsageDecipherOnly, x509.KeyUsageDecipherOnly, "Decipher Only"},
}

// String returns the bits as text, as IPWorks's Certificate.Usage shows
// them: names such as "Digital Signature" joined by ", ", from
// UsageDigitalSignature (0x80) down to UsageEncipherOnly (0x01), then
// "Decipher Only".
func (f UsageFlags) String() string {
	var names []string
	for _, u := range usageNames {
		if f&u.flag != 0 {
			names = append(names, u.name)
		}
	}
	return strings.Join(names, ", ")
}

// Certificate is one certificate of a store, with its private key when the
// store holds it and the store's certificates that chain it. The string
// and number fields are those of IPWorks's Certificate type; they are
// filled when the certificate is loaded or generated and are not updated if
// Leaf changes.
type Certificate struct {
	// Subject and Issuer in IPWorks's DN format, most specific first:
	// "CN=www.server.com, OU=test, C=US, E=support@nsoftware.com". State is
	// "S", email "E"; values with commas are quoted. Leaf.Subject.String()
	// gives the RFC 2253 form.
	Subject string
	Issuer  string
	// SerialNumber in upper-case hex, two digits per byte, as openssl -serial.
	SerialNumber string
	// EffectiveDate and ExpirationDate are NotBefore and NotAfter. Format
	// them with DateLayout for IPWorks's text form.
	EffectiveDate  time.Time
	ExpirationDate time.Time
	// SubjectAltNames are the DNS names, e-mail addresses, IP addresses and
	// URIs of the subjectAltName extension, in that order, without prefixes.
	SubjectAltNames []string
	// Fingerprint, FingerprintSHA1 and FingerprintSHA256 are the MD5, SHA-1
	// and SHA-256 hashes of the DER certificate in IPWorks's lower-case
	// colon form, "bc:2a:72:...". openssl -fingerprint prints the same bytes
	// in upper case.
	Fingerprint       string
	FingerprintSHA1   string
	FingerprintSHA256 string
	// ThumbprintMD5, ThumbprintSHA1 and ThumbprintSHA256 are the same hashes as
	// plain upper-case hex, the form Windows shows and "Thumbprint=" accepts.
	ThumbprintMD5    string
	ThumbprintSHA1   string
	ThumbprintSHA256 string
	// PublicKeyAlgorithm is "RSA", "ECDSA", "Ed25519" or "DSA"; PublicKeyLength
	// is the RSA/DSA modulus size or the curve size in bits (256 for Ed25519).
	PublicKeyAlgorithm string
	PublicKeyLength    int
	// SignatureAlgorithm as Go names it: "SHA256-RSA", "ECDSA-SHA256",
	// "SHA256-RSAPSS", "Ed25519"; the dotted OID when Go does not know it.
	SignatureAlgorithm string
	// Usage is UsageFlags as text ("Digital Signature, Key Encipherment"); both
	// are empty/zero when the certificate has no KeyUsage extension.
	Usage      string
	UsageFlags UsageFlags
	// ExtendedKeyUsage lists the extended key usage OIDs in certificate order,
	// such as "1.3.6.1.5.5.7.3.1" for TLS server authentication.
	ExtendedKeyUsage []string
	// Version is "V1", "V2" or "V3".
	Version string
	// PrivateKeyAvailable reports whether PrivateKey is set.
	PrivateKeyAvailable bool

	Leaf       *x509.Certificate
	Chain      []*x509.Certificate // issuers found in the store, leaf's issuer first
	PrivateKey crypto.Signer       // nil when the store has no matching key
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// newCertificate fills the inspection fields from leaf.
func newCertificate(leaf *x509.Certificate) *Certificate {
	md5sum := md5.Sum(leaf.Raw)
	sha1sum := sha1.Sum(leaf.Raw)
	sha256sum := sha256.Sum256(leaf.Raw)
	c := &Certificate{
		Subject:            formatDN(leaf.RawSubject),
		Issuer:             formatDN(leaf.RawIssuer),
		SerialNumber:       serialHex(leaf),
		EffectiveDate:      leaf.NotBefore,
		ExpirationDate:     leaf.NotAfter,
		Fingerprint:        colonHex(md5sum[:]),
		FingerprintSHA1:    colonHex(sha1sum[:]),
		FingerprintSHA256:  colonHex(sha256sum[:]),
		ThumbprintMD5:      strings.ToUpper(hex.EncodeToString(md5sum[:])),
		ThumbprintSHA1:     strings.ToUpper(hex.EncodeToString(sha1sum[:])),
		ThumbprintSHA256:   strings.ToUpper(hex.EncodeToString(sha256sum[:])),
		PublicKeyAlgorithm: leaf.PublicKeyAlgorithm.String(),
		PublicKeyLength:    publicKeyBits(leaf.PublicKey),
		SignatureAlgorithm: signatureName(leaf),
		Version:            fmt.Sprintf("V%d", leaf.Version),
		Leaf:               leaf,
	}
	for _, u := range usageNames {
		if leaf.KeyUsage&u.x509 != 0 {
			c.UsageFlags |= u.flag
		}
	}
	c.Usage = c.UsageFlags.String()
	c.SubjectAltNames = append(c.SubjectAltNames, leaf.DNSNames...)
	c.SubjectAltNames = append(c.SubjectAltNames, leaf.EmailAddresses...)
	for _, ip := range leaf.IPAddresses {
		c.SubjectAltNames = append(c.SubjectAltNames, ip.String())
	}
	for _, u := range leaf.URIs {
		c.SubjectAltNames = append(c.SubjectAltNames, u.String())
	}
	for _, ext := range leaf.Extensions {
		if ext.Id.Equal(oidExtKeyUsage) {
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(ext.Value, &oids); err == nil {
				for _, o := range oids {
					c.ExtendedKeyUsage = append(c.ExtendedKeyUsage, o.String())
				}
			}
		}
	}
	return c
}

func serialHex(leaf *x509.Certificate) string {
	if leaf.SerialNumber == nil {
		return ""
	}
	b := leaf.SerialNumber.Bytes()
	if len(b) == 0 {
		b = []byte{0}
	}
	s := strings.ToUpper(hex.EncodeToString(b))
	if leaf.SerialNumber.Sign() < 0 {
		s = "-" + s
	}
	return s
}

func colonHex(b []byte) string {
	var sb strings.Builder
	for i, x := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02x", x)
	}
	return sb.String()
}

func publicKeyBits(pub any) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return 8 * ed25519.PublicKeySize
	case *dsa.PublicKey:
		return k.P.BitLen()
	}
	return 0
}

func signatureName(leaf *x509.Certificate) string {
	if leaf.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
		return leaf.SignatureAlgorithm.String()
	}
	var cert struct {
		TBS       asn1.RawValue
		Algorithm struct {
			ID asn1.ObjectIdentifier
		} `asn1:"sequence"`
	}
	if _, err := asn1.Unmarshal(leaf.Raw, &cert); err == nil && len(cert.Algorithm.ID) > 0 {
		return cert.Algorithm.ID.String()
	}
	return leaf.SignatureAlgorithm.String()
}

// TLSCertificate returns the certificate, its chain and its key for
// tls.Config.Certificates. A self-signed root at the end of the chain is
// left out, since peers must already trust it. It fails with
// ErrCannotAcquireCredentials (273) when there is no private key.
func (c *Certificate) TLSCertificate() (tls.Certificate, error) {
	if c.PrivateKey == nil {
		return tls.Certificate{}, newError("credentials", ErrCannotAcquireCredentials,
			"the certificate "+c.Subject+" has no private key: load a PFX/JKS with its key or pass the key file (LoadPair, --key)", nil)
	}
	out := tls.Certificate{Certificate: [][]byte{c.Leaf.Raw}, PrivateKey: c.PrivateKey, Leaf: c.Leaf}
	for _, ca := range c.Chain {
		if isSelfSigned(ca) {
			break
		}
		out.Certificate = append(out.Certificate, ca.Raw)
	}
	return out, nil
}

// EncodeDER returns the DER form of the certificate alone.
func (c *Certificate) EncodeDER() []byte { return bytes.Clone(c.Leaf.Raw) }

// EncodePEM returns the certificate followed by its chain as PEM, and the
// private key as PKCS#8 PEM ("PRIVATE KEY"); keyPEM is nil without a key.
func (c *Certificate) EncodePEM() (certPEM, keyPEM []byte, err error) {
	for _, cert := range append([]*x509.Certificate{c.Leaf}, c.Chain...) {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	if c.PrivateKey == nil {
		return certPEM, nil, nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return nil, nil, newError("encode", err, "", nil)
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodePFX returns a PKCS#12 file protected by password with the modern
// algorithms (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA-256, SHA-256 MAC), which
// OpenSSL 1.1.1+, Java 8u301+ and Windows 10+ read. Without a private key the
// certificates are written as a Java trust store.
func (c *Certificate) EncodePFX(password string) ([]byte, error) {
	var out []byte
	var err error
	if c.PrivateKey == nil {
		out, err = pkcs12.Modern.EncodeTrustStore(append([]*x509.Certificate{c.Leaf}, c.Chain...), password)
	} else {
		out, err = pkcs12.Modern.Encode(c.PrivateKey, c.Leaf, c.Chain, password)
	}
	if err != nil {
		return nil, newError("encode", err, "", nil)
	}
	return out, nil
}

// CheckValidity reports whether now lies between EffectiveDate and
// ExpirationDate, with ErrExpired or ErrNotYetValid (code 280) otherwise.
func (c *Certificate) CheckValidity(now time.Time) error {
	switch {
	case now.After(c.ExpirationDate):
		return &Error{Op: "verify", Err: fmt.Errorf("%w: %s expired on %s: renew it (tlskit cert new)",
			ErrExpired, c.Subject, c.ExpirationDate.Local().Format(DateLayout))}
	case now.Before(c.EffectiveDate):
		return &Error{Op: "verify", Err: fmt.Errorf("%w: %s is valid from %s: check the clock",
			ErrNotYetValid, c.Subject, c.EffectiveDate.Local().Format(DateLayout))}
	}
	return nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

// FromX509 wraps a parsed certificate in a Certificate, filling its
// inspection fields (Subject, fingerprints, Usage ...). The result has no
// private key and no chain.
func FromX509(cert *x509.Certificate) *Certificate { return newCertificate(cert) }
