package tlsconf

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
)

// SignatureAlgorithm is one entry of a TLS12SignatureAlgorithms or
// TLS13SignatureAlgorithms allow list: the algorithm a certificate of the
// peer's chain is signed with.
type SignatureAlgorithm struct {
	// Key is the signature scheme: "rsa" (PKCS #1 v1.5), "rsa_pss",
	// "ecdsa", "dsa", "ed25519" or "ed448".
	Key string
	// Hash is "md5", "sha1", "sha224", "sha256", "sha384" or "sha512", or ""
	// for ed25519 and ed448.
	Hash string
	// Curve restricts an ECDSA entry to signatures made with a key on this
	// curve ("secp256r1", "secp384r1", "secp521r1"), as the TLS 1.3 names
	// do; "" matches any curve, as the TLS 1.2 "sha256-ecdsa" form does.
	Curve string
}

// String returns the TLS 1.3-style name ("rsa_pkcs1_sha256",
// "rsa_pss_sha256", "ecdsa_secp256r1_sha256", "ed25519"), or IPWorks's TLS
// 1.2 "hash-signature" form where no TLS 1.3 name exists ("sha256-ecdsa",
// "sha1-dsa").
func (a SignatureAlgorithm) String() string { return a.format(false) }

func (a SignatureAlgorithm) format(tls12 bool) string {
	switch a.Key {
	case "rsa":
		if tls12 {
			return a.Hash + "-rsa"
		}
		return "rsa_pkcs1_" + a.Hash
	case "rsa_pss":
		return "rsa_pss_" + a.Hash
	case "ecdsa":
		if a.Curve == "" {
			return a.Hash + "-ecdsa"
		}
		return "ecdsa_" + a.Curve + "_" + a.Hash
	case "dsa":
		return a.Hash + "-dsa"
	}
	return a.Key
}

var sigHashes = []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}

// ecdsaCurveHash pairs the curve and hash of each TLS 1.3 ECDSA scheme.
var ecdsaCurveHash = map[string]string{"secp256r1": "sha256", "secp384r1": "sha384", "secp521r1": "sha512"}

// parseSignatureAlgorithm reads one list item.
func parseSignatureAlgorithm(item string) (SignatureAlgorithm, bool) {
	s := strings.ToLower(strings.TrimSpace(item))
	// IPWorks's TLS 1.2 form: hash-signature.
	if h, sig, ok := strings.Cut(s, "-"); ok {
		if !slices.Contains(sigHashes, h) {
			return SignatureAlgorithm{}, false
		}
		switch sig {
		case "rsa", "dsa", "ecdsa":
			return SignatureAlgorithm{Key: sig, Hash: h}, true
		}
		return SignatureAlgorithm{}, false
	}
	switch s {
	case "ed25519", "ed448":
		return SignatureAlgorithm{Key: s}, true
	case "ecdsa_sha1":
		return SignatureAlgorithm{Key: "ecdsa", Hash: "sha1"}, true
	}
	for _, prefix := range []string{"rsa_pkcs1_", "rsa_pss_rsae_", "rsa_pss_pss_", "rsa_pss_"} {
		if h, ok := strings.CutPrefix(s, prefix); ok && slices.Contains(sigHashes[1:], h) {
			if prefix == "rsa_pkcs1_" {
				return SignatureAlgorithm{Key: "rsa", Hash: h}, true
			}
			if h == "sha1" || h == "sha224" {
				return SignatureAlgorithm{}, false
			}
			return SignatureAlgorithm{Key: "rsa_pss", Hash: h}, true
		}
	}
	if rest, ok := strings.CutPrefix(s, "ecdsa_"); ok {
		curve, h, _ := strings.Cut(rest, "_")
		if want, ok := ecdsaCurveHash[curve]; ok && want == h {
			return SignatureAlgorithm{Key: "ecdsa", Hash: h, Curve: curve}, true
		}
	}
	return SignatureAlgorithm{}, false
}

// ParseSignatureAlgorithms parses a TLS12SignatureAlgorithms or
// TLS13SignatureAlgorithms value, a comma-separated list in either of
// IPWorks's forms, case-insensitively:
//
//   - TLS 1.2 "hash-signature": sha256-rsa, sha384-ecdsa, sha1-dsa, with
//     hashes md5, sha1, sha224, sha256, sha384, sha512;
//   - TLS 1.3 / IANA names: rsa_pkcs1_sha256, rsa_pss_sha256 (also
//     rsa_pss_rsae_sha256 and rsa_pss_pss_sha256), ecdsa_secp256r1_sha256,
//     ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512, ecdsa_sha1, ed25519,
//     ed448.
//
// An empty string returns an empty, non-nil list, which means "do not
// restrict", as in IPWorks. Unknown names wrap [ErrUnknownSignatureAlgorithm].
// Names Go cannot verify (dsa, sha224, ed448, md5) are accepted: allowing
// them has no effect, since crypto/x509 never accepts such a certificate.
func ParseSignatureAlgorithms(s string) ([]SignatureAlgorithm, error) {
	out := []SignatureAlgorithm{}
	for _, item := range splitList(s, ", \t\r\n;") {
		a, ok := parseSignatureAlgorithm(item)
		if !ok {
			return nil, &Error{Err: ErrUnknownSignatureAlgorithm, Value: item,
				Detail: "use hash-signature pairs (sha256-rsa, sha384-ecdsa, sha1-dsa) or TLS 1.3 names (rsa_pss_sha256, rsa_pkcs1_sha256, ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, ecdsa_secp521r1_sha512, ed25519, ed448)"}
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// FormatSignatureAlgorithms joins a list with ",". With tls12 true, RSA
// PKCS #1 entries use IPWorks's TLS 1.2 form (sha256-rsa).
func FormatSignatureAlgorithms(list []SignatureAlgorithm, tls12 bool) string {
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.format(tls12)
	}
	return strings.Join(names, ",")
}

// The defaults used when a Settings list is nil: the certificate
// signatures crypto/tls and crypto/x509 accept, for either version
// (RSA-PSS, ECDSA, Ed25519 and RSA PKCS #1 v1.5 with SHA-256 to SHA-512;
// not SHA-1, MD5 or DSA, which crypto/x509 refuses in a chain). The TLS 1.3
// list is IPWorks's default; its ed448 has no effect, as crypto/x509 does not
// verify Ed448 signatures.
//
// IPWorks's default TLS 1.2 list is
// "sha512-ecdsa,sha512-rsa,sha512-dsa,sha384-ecdsa,sha384-rsa,sha384-dsa,sha256-ecdsa,sha256-rsa,sha256-dsa,sha224-ecdsa,sha224-rsa,sha224-dsa,sha1-ecdsa,sha1-rsa,sha1-dsa",
// which refuses RSA-PSS and Ed25519 chains; set it through
// Set("TLS12SignatureAlgorithms", ...) to get that behaviour.
const (
	DefaultTLS12SignatureAlgorithms = "rsa_pss_sha256,sha256-ecdsa,ed25519,rsa_pss_sha384,rsa_pss_sha512,sha256-rsa,sha384-rsa,sha512-rsa,sha384-ecdsa,sha512-ecdsa"
	DefaultTLS13SignatureAlgorithms = "rsa_pss_sha256,rsa_pss_sha384,rsa_pss_sha512,rsa_pkcs1_sha256,rsa_pkcs1_sha384,rsa_pkcs1_sha512,ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ed25519,ed448"
)

func mustParseSignatureAlgorithms(s string) []SignatureAlgorithm {
	l, err := ParseSignatureAlgorithms(s)
	if err != nil {
		panic(err)
	}
	return l
}

var (
	defaultTLS12SigAlgs = mustParseSignatureAlgorithms(DefaultTLS12SignatureAlgorithms)
	defaultTLS13SigAlgs = mustParseSignatureAlgorithms(DefaultTLS13SignatureAlgorithms)
)

// certSignature describes how a certificate is signed. Curve is the
// issuer's ECDSA curve, or "" when the issuer is not known.
func certSignature(c, issuer *x509.Certificate) SignatureAlgorithm {
	var a SignatureAlgorithm
	switch c.SignatureAlgorithm {
	case x509.MD5WithRSA:
		a = SignatureAlgorithm{Key: "rsa", Hash: "md5"}
	case x509.SHA1WithRSA:
		a = SignatureAlgorithm{Key: "rsa", Hash: "sha1"}
	case x509.SHA256WithRSA:
		a = SignatureAlgorithm{Key: "rsa", Hash: "sha256"}
	case x509.SHA384WithRSA:
		a = SignatureAlgorithm{Key: "rsa", Hash: "sha384"}
	case x509.SHA512WithRSA:
		a = SignatureAlgorithm{Key: "rsa", Hash: "sha512"}
	case x509.SHA256WithRSAPSS:
		a = SignatureAlgorithm{Key: "rsa_pss", Hash: "sha256"}
	case x509.SHA384WithRSAPSS:
		a = SignatureAlgorithm{Key: "rsa_pss", Hash: "sha384"}
	case x509.SHA512WithRSAPSS:
		a = SignatureAlgorithm{Key: "rsa_pss", Hash: "sha512"}
	case x509.DSAWithSHA1:
		a = SignatureAlgorithm{Key: "dsa", Hash: "sha1"}
	case x509.DSAWithSHA256:
		a = SignatureAlgorithm{Key: "dsa", Hash: "sha256"}
	case x509.ECDSAWithSHA1:
		a = SignatureAlgorithm{Key: "ecdsa", Hash: "sha1"}
	case x509.ECDSAWithSHA256:
		a = SignatureAlgorithm{Key: "ecdsa", Hash: "sha256"}
	case x509.ECDSAWithSHA384:
		a = SignatureAlgorithm{Key: "ecdsa", Hash: "sha384"}
	case x509.ECDSAWithSHA512:
		a = SignatureAlgorithm{Key: "ecdsa", Hash: "sha512"}
	case x509.PureEd25519:
		a = SignatureAlgorithm{Key: "ed25519"}
	default:
		a = SignatureAlgorithm{Key: strings.ToLower(c.SignatureAlgorithm.String())}
	}
	if a.Key == "ecdsa" && issuer != nil {
		if pub, ok := issuer.PublicKey.(*ecdsa.PublicKey); ok {
			switch pub.Curve.Params().Name {
			case "P-256":
				a.Curve = "secp256r1"
			case "P-384":
				a.Curve = "secp384r1"
			case "P-521":
				a.Curve = "secp521r1"
			}
		}
	}
	return a
}

// allows reports whether the list admits a certificate signature. An
// entry with a curve matches a signature whose issuer curve is unknown on
// the hash alone.
func allows(list []SignatureAlgorithm, sig SignatureAlgorithm) bool {
	for _, a := range list {
		if a.Key == sig.Key && a.Hash == sig.Hash && (a.Curve == "" || sig.Curve == "" || a.Curve == sig.Curve) {
			return true
		}
	}
	return false
}

// checkPeerSignatures enforces an allow list on the certificates the peer
// sent (cs.PeerCertificates), leaf first. What is checked:
//
//   - the signature on every certificate the peer sent, as recorded in the
//     certificate (x509 SignatureAlgorithm); for ECDSA, the curve of the
//     issuer's key when the issuer is known (the next certificate sent, or
//     the next one in the verified chain, or the certificate itself when
//     self-signed);
//   - except a self-signed root sent after the leaf: its self-signature is
//     not relied on by path validation.
//
// What is not checked: the CertificateVerify / ServerKeyExchange signature
// made with the leaf's key during the handshake, which crypto/tls does not
// report; and certificates of the verified chain the peer did not send
// (roots from the local trust store).
func checkPeerSignatures(cs tls.ConnectionState, list []SignatureAlgorithm, setting string) error {
	if len(list) == 0 {
		return nil
	}
	chain := cs.PeerCertificates
	var verified []*x509.Certificate
	if len(cs.VerifiedChains) > 0 {
		verified = cs.VerifiedChains[0]
	}
	for i, c := range chain {
		selfIssued := string(c.RawIssuer) == string(c.RawSubject)
		if i > 0 && i == len(chain)-1 && selfIssued {
			break
		}
		var issuer *x509.Certificate
		switch {
		case i+1 < len(chain):
			issuer = chain[i+1]
		case i+1 < len(verified):
			issuer = verified[i+1]
		case selfIssued:
			issuer = c
		}
		sig := certSignature(c, issuer)
		if !allows(list, sig) {
			return &Error{Err: ErrSignatureAlgorithm, Setting: setting, Value: sig.format(setting == "TLS12SignatureAlgorithms"),
				Detail: fmt.Sprintf("peer certificate %d (%s) is signed with an algorithm outside the list %s",
					i, c.Subject.String(), FormatSignatureAlgorithms(list, setting == "TLS12SignatureAlgorithms"))}
		}
	}
	return nil
}
