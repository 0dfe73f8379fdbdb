package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// opensslValue returns what follows "prefix" on the line of out starting with it.
func opensslValue(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q in openssl output:\n%s", prefix, out)
	return ""
}

// parseRFC2253 splits openssl's "-nameopt RFC2253" output into NAME=value
// pairs, mapping openssl's attribute names to IPWorks's (ST is S, emailAddress E).
func parseRFC2253(s string) []string {
	seedName := map[string]string{"ST": "S", "emailAddress": "E"}
	var pairs []string
	var cur strings.Builder
	flush := func() {
		name, value, _ := strings.Cut(cur.String(), "=")
		if n, ok := seedName[name]; ok {
			name = n
		}
		pairs = append(pairs, name+"="+value)
		cur.Reset()
	}
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case s[i] == ',':
			flush()
		default:
			cur.WriteByte(s[i])
		}
	}
	flush()
	return pairs
}

// parseSeedDN splits IPWorks's DN form ("CN=a, O=\"b, c\"") into pairs.
func parseSeedDN(s string) []string {
	var pairs []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"' && quoted && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ',' && !quoted:
			pairs = append(pairs, cur.String())
			cur.Reset()
			i++ // the space after the comma
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(pairs, cur.String())
}

func TestCertificateFieldsMatchOpenSSL(t *testing.T) {
	t.Parallel()
	publicKeyAlgs := map[string]string{"rsaEncryption": "RSA", "id-ecPublicKey": "ECDSA", "ED25519": "Ed25519"}
	sigAlgs := map[string]string{
		"sha256WithRSAEncryption": "SHA256-RSA", "sha384WithRSAEncryption": "SHA384-RSA",
		"ecdsa-with-SHA256": "ECDSA-SHA256", "ED25519": "Ed25519",
	}
	usages := map[string]string{
		"Digital Signature": "Digital Signature", "Non Repudiation": "Non-Repudiation",
		"Key Encipherment": "Key Encipherment", "Data Encipherment": "Data Encipherment",
		"Key Agreement": "Key Agreement", "Certificate Sign": "Certificate Signing", "CRL Sign": "CRL Signing",
		"Encipher Only": "Encipher Only", "Decipher Only": "Decipher Only",
	}
	ekus := map[string]string{"TLS Web Server Authentication": "1.3.6.1.5.5.7.3.1", "TLS Web Client Authentication": "1.3.6.1.5.5.7.3.2"}
	for _, file := range []string{"leaf1.pem", "leaf2.pem", "ca.pem"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			c, err := Load(fx(t, file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, openssl says %q", field, got, want)
				}
			}
			for _, h := range []struct{ flag, name, colon, plain string }{
				{"-md5", "md5", c.Fingerprint, c.ThumbprintMD5},
				{"-sha1", "sha1", c.FingerprintSHA1, c.ThumbprintSHA1},
				{"-sha256", "sha256", c.FingerprintSHA256, c.ThumbprintSHA256},
			} {
				want := opensslValue(t, openssl(t, "x509", "-in", file, "-noout", "-fingerprint", h.flag), h.name+" Fingerprint=")
				// IPWorks shows lower case, openssl upper case: same bytes.
				check("Fingerprint "+h.name, strings.ToUpper(h.colon), want)
				check("Thumbprint "+h.name, h.plain, strings.ReplaceAll(want, ":", ""))
			}
			check("SerialNumber", c.SerialNumber, opensslValue(t, openssl(t, "x509", "-in", file, "-noout", "-serial"), "serial="))

			dates := openssl(t, "x509", "-in", file, "-noout", "-startdate", "-enddate")
			for _, d := range []struct {
				prefix string
				got    time.Time
			}{{"notBefore=", c.EffectiveDate}, {"notAfter=", c.ExpirationDate}} {
				want, err := time.Parse("Jan _2 15:04:05 2006 MST", opensslValue(t, dates, d.prefix))
				if err != nil {
					t.Fatal(err)
				}
				if !d.got.Equal(want) {
					t.Errorf("%s %v, openssl says %v", d.prefix, d.got, want)
				}
			}

			names := openssl(t, "x509", "-in", file, "-noout", "-subject", "-issuer", "-nameopt", "RFC2253")
			if got, want := parseSeedDN(c.Subject), parseRFC2253(opensslValue(t, names, "subject=")); !slices.Equal(got, want) {
				t.Errorf("Subject %q = %q, openssl says %q", c.Subject, got, want)
			}
			if got, want := parseSeedDN(c.Issuer), parseRFC2253(opensslValue(t, names, "issuer=")); !slices.Equal(got, want) {
				t.Errorf("Issuer %q = %q, openssl says %q", c.Issuer, got, want)
			}

			var wantSANs []string
			if sanOut := openssl(t, "x509", "-in", file, "-noout", "-ext", "subjectAltName"); strings.Contains(sanOut, "Alternative Name") {
				for _, item := range strings.Split(strings.TrimSpace(strings.SplitN(sanOut, "\n", 2)[1]), ", ") {
					_, v, _ := strings.Cut(item, ":")
					if ip := net.ParseIP(v); ip != nil {
						v = ip.String()
					}
					wantSANs = append(wantSANs, v)
				}
			}
			gotSANs := slices.Clone(c.SubjectAltNames)
			slices.Sort(gotSANs)
			slices.Sort(wantSANs)
			if !slices.Equal(gotSANs, wantSANs) {
				t.Errorf("SubjectAltNames = %q, openssl says %q", gotSANs, wantSANs)
			}

			text := openssl(t, "x509", "-in", file, "-noout", "-text")
			check("PublicKeyAlgorithm", c.PublicKeyAlgorithm, publicKeyAlgs[opensslValue(t, text, "Public Key Algorithm:")])
			bits := regexp.MustCompile(`Public-Key: \((\d+) bit\)`).FindStringSubmatch(text)
			if bits == nil {
				t.Fatalf("no key size in:\n%s", text)
			}
			check("PublicKeyLength", strconv.Itoa(c.PublicKeyLength), bits[1])
			check("SignatureAlgorithm", c.SignatureAlgorithm, sigAlgs[opensslValue(t, text, "Signature Algorithm:")])
			check("Version", c.Version, "V"+strings.Fields(opensslValue(t, text, "Version:"))[0])

			lines := strings.Split(text, "\n")
			var wantUsage, wantEKU []string
			for i, line := range lines {
				if strings.Contains(line, "X509v3 Key Usage") {
					for _, u := range strings.Split(strings.TrimSpace(lines[i+1]), ", ") {
						wantUsage = append(wantUsage, usages[u])
					}
				}
				if strings.Contains(line, "X509v3 Extended Key Usage") {
					for _, u := range strings.Split(strings.TrimSpace(lines[i+1]), ", ") {
						if oid, ok := ekus[u]; ok {
							u = oid
						}
						wantEKU = append(wantEKU, u)
					}
				}
			}
			check("Usage", c.Usage, strings.Join(wantUsage, ", "))
			if !slices.Equal(c.ExtendedKeyUsage, wantEKU) {
				t.Errorf("ExtendedKeyUsage = %q, openssl says %q", c.ExtendedKeyUsage, wantEKU)
			}
		})
	}
}

func TestUsageFlagsValues(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "leaf2.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// digitalSignature, nonRepudiation, keyEncipherment: 0x80|0x40|0x20.
	if c.UsageFlags != 0xE0 {
		t.Errorf("UsageFlags = %#x, want 0xe0", int(c.UsageFlags))
	}
	if c.Usage != "Digital Signature, Non-Repudiation, Key Encipherment" {
		t.Errorf("Usage = %q", c.Usage)
	}
	ca, err := Load(fx(t, "ca.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ca.UsageFlags != 0x06 {
		t.Errorf("CA UsageFlags = %#x, want 0x06", int(ca.UsageFlags))
	}
	if got := (UsageEncipherOnly | UsageDecipherOnly).String(); got != "Encipher Only, Decipher Only" {
		t.Errorf("String = %q", got)
	}
}

func TestSubjectDNFormat(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "leaf1.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `E=ops@example.com, CN=leaf one, OU=Web, O="Example, Inc.", L=San Jose, S=California, C=US`
	if c.Subject != want {
		t.Errorf("Subject = %q, want %q", c.Subject, want)
	}
	if c.Issuer != "CN=Example Root CA, O=Example CA, C=US" {
		t.Errorf("Issuer = %q", c.Issuer)
	}
	if got := c.EffectiveDate.Format(DateLayout); len(got) != len("23-Jan-2000 15:00:00") {
		t.Errorf("DateLayout gives %q", got)
	}
}

func TestTLSCertificate(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "leaf1.p12"), Options{Password: fixturePassword})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := c.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	// The self-signed root is not sent.
	if len(tc.Certificate) != 1 || tc.Leaf != c.Leaf {
		t.Errorf("tls.Certificate has %d certificates, want the leaf only", len(tc.Certificate))
	}
	pub, err := Load(fx(t, "leaf1.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pub.TLSCertificate()
	var e *Error
	if !errors.Is(err, ErrCannotAcquireCredentials) || !errors.As(err, &e) || ipworksCode(e) != 273 {
		t.Errorf("TLSCertificate without key: %v, want code 273", err)
	}
}

func TestCheckValidity(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "leaf1.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckValidity(time.Now()); err != nil {
		t.Errorf("fresh certificate: %v", err)
	}
	for _, tt := range []struct {
		now  time.Time
		want error
	}{
		{c.ExpirationDate.Add(time.Second), ErrExpired},
		{c.EffectiveDate.Add(-time.Second), ErrNotYetValid},
	} {
		err := c.CheckValidity(tt.now)
		var e *Error
		if !errors.Is(err, tt.want) || !errors.As(err, &e) || ipworksCode(e) != 280 {
			t.Errorf("CheckValidity(%v) = %v, want %v with code 280", tt.now, err, tt.want)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "leaf1-full.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := c.EncodePEM()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(keyPEM), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("key is not PKCS#8 PEM:\n%s", keyPEM)
	}
	pfx, err := c.EncodePFX("pw")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"PEM": append(certPEM, keyPEM...),
		"PFX": pfx,
		"DER": c.EncodeDER(),
	} {
		got, err := Parse(data, Options{Password: "pw"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.FingerprintSHA256 != c.FingerprintSHA256 {
			t.Errorf("%s: round trip changed the certificate", name)
		}
		if name != "DER" && (!got.PrivateKeyAvailable || len(got.Chain) != 1) {
			t.Errorf("%s: key %v, chain %d; want key and chain", name, got.PrivateKeyAvailable, len(got.Chain))
		}
	}
	// openssl reads the PFX we write.
	dir := t.TempDir()
	path := dir + "/out.p12"
	if err := os.WriteFile(path, pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	out := openssl(t, "pkcs12", "-in", path, "-passin", "pass:pw", "-nodes")
	if !strings.Contains(out, "BEGIN PRIVATE KEY") || strings.Count(out, "BEGIN CERTIFICATE") != 2 {
		t.Errorf("openssl pkcs12 output lacks key or chain:\n%s", out)
	}
}

func TestTLSHandshakeWithLoadedCertificate(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "all.jks"), Options{Password: fixturePassword, Subject: "leaf one"})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := Load(fx(t, "ca.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	handshake(t, c, ca.Leaf, "leaf1.example.com")
}

// handshake runs a TLS 1.3 handshake over a pipe with c as the server
// certificate and root as the client's only trust anchor.
func handshake(t *testing.T, c *Certificate, root *x509.Certificate, serverName string) {
	t.Helper()
	tc, err := c.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	sc, cc := net.Pipe()
	defer sc.Close()
	defer cc.Close()
	srv := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{tc}})
	done := make(chan error, 1)
	go func() { done <- srv.Handshake() }()
	cli := tls.Client(cc, &tls.Config{RootCAs: pool, ServerName: serverName})
	if err := cli.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
}

func TestFromX509(t *testing.T) {
	t.Parallel()
	c, err := Load(fx(t, "leaf1-full.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := FromX509(c.Leaf)
	if w.Subject != c.Subject || w.FingerprintSHA256 != c.FingerprintSHA256 || w.PrivateKeyAvailable || w.Chain != nil {
		t.Errorf("FromX509 = %+v", w)
	}
}
