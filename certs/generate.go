package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// KeyType selects the key algorithm of a generated certificate.
type KeyType int

const (
	KeyECDSA   KeyType = iota // ECDSA P-256 (the default)
	KeyRSA                    // RSA, GenerateOptions.RSABits bits
	KeyEd25519                // Ed25519; not accepted by all TLS clients (browsers)
)

func (k KeyType) String() string {
	switch k {
	case KeyECDSA:
		return "ecdsa"
	case KeyRSA:
		return "rsa"
	case KeyEd25519:
		return "ed25519"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// ParseKeyType accepts "ecdsa" (or "ec", "p256", "p-256", and "" for the
// default), "rsa" and "ed25519", ignoring case and surrounding spaces.
func ParseKeyType(s string) (KeyType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "ecdsa", "ec", "p256", "p-256":
		return KeyECDSA, nil
	case "rsa":
		return KeyRSA, nil
	case "ed25519":
		return KeyEd25519, nil
	}
	return 0, fmt.Errorf("unknown key type %q: use ecdsa, rsa or ed25519", s)
}

// Defaults of GenerateOptions.
const (
	DefaultValidFor   = 397 * 24 * time.Hour      // leaf certificates: under browsers' 398-day limit
	DefaultCAValidFor = 10 * 365 * 24 * time.Hour // CA certificates
	DefaultRSABits    = 2048
	backdate          = time.Hour // NotBefore is this far in the past, for clock skew
)

// GenerateOptions describes a certificate to create. The zero value makes
// a self-signed ECDSA P-256 leaf for no names, valid DefaultValidFor.
type GenerateOptions struct {
	// Hosts become subjectAltNames: IP addresses, e-mail addresses (with
	// "@"), URIs (with "://") and DNS names otherwise (wildcards allowed).
	Hosts []string
	// CommonName of the subject; default the first host, else "tlskit
	// development certificate" ("tlskit development CA" with IsCA).
	CommonName string
	// Organization of the subject; default "tlskit".
	Organization string
	// KeyType is the algorithm of the new key; default ECDSA P-256.
	KeyType KeyType
	// RSABits is the RSA modulus size: 2048 (default), 3072 or 4096.
	RSABits int
	// IsCA makes a CA certificate (path length 0) able to sign leaves.
	IsCA bool
	// NotBefore defaults to an hour ago, to tolerate clock skew.
	NotBefore time.Time
	// ValidFor defaults to DefaultValidFor, or DefaultCAValidFor with IsCA.
	ValidFor time.Duration
	// Issuer signs the certificate; nil makes it self-signed. It must have
	// a private key (else ErrCannotAcquireCredentials) and be a CA.
	Issuer *Certificate
}

// Generate creates a key and a certificate for it with a random 128-bit
// serial number. Leaves get the serverAuth and clientAuth extended key
// usages; a CA-signed result has the issuer (and its chain) as Chain.
func Generate(opts GenerateOptions) (*Certificate, error) {
	fail := func(err error) (*Certificate, error) {
		return nil, &Error{Op: "generate", Err: err}
	}
	key, err := generateKey(opts)
	if err != nil {
		return fail(err)
	}
	tmpl, err := template(opts)
	if err != nil {
		return fail(err)
	}
	parent, signer := tmpl, crypto.Signer(key)
	var chain []*x509.Certificate
	if is := opts.Issuer; is != nil {
		if is.PrivateKey == nil {
			return nil, newError("generate", ErrCannotAcquireCredentials,
				"the issuer "+is.Subject+" has no private key: load it with its key", nil)
		}
		if !is.Leaf.IsCA || !is.Leaf.BasicConstraintsValid {
			return fail(fmt.Errorf("the issuer %s is not a CA: create one with IsCA (tlskit cert new --ca)", is.Subject))
		}
		parent, signer = is.Leaf, is.PrivateKey
		chain = append([]*x509.Certificate{is.Leaf}, is.Chain...)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return fail(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return fail(err)
	}
	c := newCertificate(leaf)
	c.PrivateKey, c.PrivateKeyAvailable, c.Chain = key, true, chain
	return c, nil
}

func generateKey(opts GenerateOptions) (crypto.Signer, error) {
	switch opts.KeyType {
	case KeyECDSA:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KeyRSA:
		bits := opts.RSABits
		if bits == 0 {
			bits = DefaultRSABits
		}
		if bits != 2048 && bits != 3072 && bits != 4096 {
			return nil, fmt.Errorf("RSABits %d: use 2048, 3072 or 4096", bits)
		}
		return rsa.GenerateKey(rand.Reader, bits)
	case KeyEd25519:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
	return nil, fmt.Errorf("unknown key type %d: use KeyECDSA, KeyRSA or KeyEd25519", int(opts.KeyType))
}

func template(opts GenerateOptions) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	serial.SetBit(serial, 127, 1) // always 128 bits long, never zero
	if opts.ValidFor < 0 {
		return nil, errors.New("ValidFor is negative")
	}
	notBefore := opts.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-backdate)
	}
	validFor := opts.ValidFor
	if validFor == 0 {
		validFor = DefaultValidFor
		if opts.IsCA {
			validFor = DefaultCAValidFor
		}
	}
	t := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   opts.CommonName,
			Organization: []string{opts.Organization},
		},
		NotBefore:             notBefore.UTC().Truncate(time.Second),
		NotAfter:              notBefore.Add(validFor).UTC().Truncate(time.Second),
		BasicConstraintsValid: true,
	}
	if opts.Organization == "" {
		t.Subject.Organization = []string{"tlskit"}
	}
	for _, h := range opts.Hosts {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			return nil, errors.New("empty host name")
		case net.ParseIP(strings.Trim(h, "[]")) != nil:
			t.IPAddresses = append(t.IPAddresses, net.ParseIP(strings.Trim(h, "[]")))
		case strings.Contains(h, "://"):
			u, err := url.Parse(h)
			if err != nil {
				return nil, fmt.Errorf("host %q: %w", h, err)
			}
			t.URIs = append(t.URIs, u)
		case strings.Contains(h, "@"):
			addr, err := mail.ParseAddress(h)
			if err != nil {
				return nil, fmt.Errorf("host %q is not an e-mail address: %w", h, err)
			}
			t.EmailAddresses = append(t.EmailAddresses, addr.Address)
		default:
			t.DNSNames = append(t.DNSNames, h)
		}
	}
	if t.Subject.CommonName == "" {
		switch {
		case len(opts.Hosts) > 0:
			t.Subject.CommonName = strings.TrimSpace(opts.Hosts[0])
		case opts.IsCA:
			t.Subject.CommonName = "tlskit development CA"
		default:
			t.Subject.CommonName = "tlskit development certificate"
		}
	}
	if opts.IsCA {
		t.IsCA, t.MaxPathLenZero = true, true
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	} else {
		t.KeyUsage = x509.KeyUsageDigitalSignature
		if opts.KeyType == KeyRSA {
			t.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	return t, nil
}
