package certs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		file      string
		key       string // second file for LoadPair
		opts      Options
		subject   string // expected CN substring of the selected certificate
		wantKey   bool
		wantChain int
		wantCount int // certificates in the store
	}{
		{name: "PEM certificate", file: "leaf1.pem", subject: "leaf one", wantCount: 1},
		{name: "PEM cert+PKCS#8 key+CA", file: "leaf1-full.pem", subject: "leaf one", wantKey: true, wantChain: 1, wantCount: 2},
		{name: "DER certificate", file: "leaf1.der", subject: "leaf one", wantCount: 1},
		{name: "pair PKCS#8 PEM key", file: "leaf1.pem", key: "leaf1.key", subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair SEC1 key", file: "leaf1.pem", key: "leaf1-sec1.key", subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair PKCS#1 key", file: "leaf2.pem", key: "leaf2-pkcs1.key", subject: "leaf two", wantKey: true, wantCount: 1},
		{name: "pair DER PKCS#8 key", file: "leaf1.der", key: "leaf1-key.der", subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 AES-256", file: "leaf1.pem", key: "leaf1-aes.key", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 DES-EDE3", file: "leaf1.pem", key: "leaf1-des3.key", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 AES-128 HMAC-SHA1", file: "leaf2.pem", key: "leaf2-aes128-sha1.key", opts: Options{Password: fixturePassword}, subject: "leaf two", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 PKCS#12 PBE 3DES", file: "leaf1.pem", key: "leaf1-pbes1.key", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 PKCS#12 PBE 2-key 3DES", file: "leaf2.pem", key: "leaf2-pbe-2des.key", opts: Options{Password: fixturePassword}, subject: "leaf two", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 PBES1 MD5 DES", file: "leaf1.pem", key: "leaf1-pbe-md5-des.key", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 PBES1 SHA-1 DES DER", file: "leaf2.pem", key: "leaf2-pbe-sha1-des.der", opts: Options{Password: fixturePassword}, subject: "leaf two", wantKey: true, wantCount: 1},
		{name: "pair encrypted PKCS#8 DER", file: "leaf1.pem", key: "leaf1-aes.der", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "pair legacy PEM AES-256", file: "leaf2.pem", key: "leaf2-legacy.key", opts: Options{Password: fixturePassword}, subject: "leaf two", wantKey: true, wantCount: 1},
		{name: "pair legacy PEM DES-EDE3", file: "leaf1.pem", key: "leaf1-legacy-des3.key", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantCount: 1},
		{name: "PFX modern AES", file: "leaf1.p12", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantChain: 1, wantCount: 2},
		{name: "PFX legacy 3DES", file: "leaf1-legacy.p12", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantChain: 1, wantCount: 2},
		{name: "PFX legacy RC2", file: "leaf2-rc2.p12", opts: Options{Password: fixturePassword}, subject: "leaf two", wantKey: true, wantCount: 1},
		{name: "PFX explicit type", file: "leaf1.p12", opts: Options{StoreType: StorePFXFile, Password: fixturePassword}, subject: "leaf one", wantKey: true, wantChain: 1, wantCount: 2},
		{name: "P7B PEM", file: "all.p7b", subject: "leaf one", wantChain: 1, wantCount: 3},
		{name: "P7B DER", file: "leaf1.p7b.der", opts: Options{StoreType: StoreP7BFile}, subject: "leaf one", wantChain: 1, wantCount: 2},
		{name: "JKS", file: "all.jks", opts: Options{Password: fixturePassword}, subject: "leaf one", wantKey: true, wantChain: 1, wantCount: 3},
		{name: "JKS explicit type", file: "all.jks", opts: Options{StoreType: StoreJKSFile, Password: fixturePassword, Subject: "leaf two"}, subject: "leaf two", wantKey: true, wantChain: 1, wantCount: 3},
		{name: "JWK private with x5c", file: "leaf1.jwk", subject: "leaf one", wantKey: true, wantChain: 1, wantCount: 2},
		{name: "JWK set public", file: "set.jwk", opts: Options{StoreType: StoreJWKFile}, subject: "leaf two", wantCount: 1},
		{name: "PEM bundle explicit type", file: "bundle.pem", opts: Options{StoreType: StorePEMKeyFile, Subject: "leaf two"}, subject: "leaf two", wantKey: true, wantChain: 1, wantCount: 3},
		{name: "public key store DER", file: "leaf1.der", opts: Options{StoreType: StorePublicKeyFile}, subject: "leaf one", wantCount: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c *Certificate
			var err error
			if tt.key != "" {
				c, err = LoadPair(fx(t, tt.file), fx(t, tt.key), tt.opts)
			} else {
				c, err = Load(fx(t, tt.file), tt.opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !contains(c.Subject, tt.subject) {
				t.Errorf("Subject = %q, want it to contain %q", c.Subject, tt.subject)
			}
			if c.PrivateKeyAvailable != tt.wantKey || (c.PrivateKey != nil) != tt.wantKey {
				t.Errorf("PrivateKeyAvailable = %v, PrivateKey = %T, want key %v", c.PrivateKeyAvailable, c.PrivateKey, tt.wantKey)
			}
			if tt.wantKey && !keyMatches(c.PrivateKey, c.Leaf) {
				t.Error("private key does not match the certificate")
			}
			if len(c.Chain) != tt.wantChain {
				t.Errorf("len(Chain) = %d, want %d", len(c.Chain), tt.wantChain)
			}
			if tt.key == "" {
				s, err := LoadStore(fx(t, tt.file), tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(s.Certificates) != tt.wantCount {
					t.Errorf("store holds %d certificates, want %d", len(s.Certificates), tt.wantCount)
				}
				// Parse gives the same result as Load on the same bytes.
				p, err := Parse(readFx(t, tt.file), tt.opts)
				if err != nil || p.FingerprintSHA256 != c.FingerprintSHA256 {
					t.Errorf("Parse = %v, %v; want the certificate Load found", p, err)
				}
			}
		})
	}
}

func TestParseBase64Blob(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		file string
		typ  StoreType
	}{
		{name: "PFX blob", file: "leaf1.p12", typ: StorePFXBlob},
		{name: "JKS blob", file: "all.jks", typ: StoreJKSBlob},
		{name: "DER certificate blob", file: "leaf1.der", typ: StorePublicKeyBlob},
		{name: "auto", file: "leaf1.p12", typ: StoreAuto},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			blob := base64Lines(readFx(t, tt.file))
			c, err := Parse(blob, Options{StoreType: tt.typ, Password: fixturePassword})
			if err != nil {
				t.Fatal(err)
			}
			if !contains(c.Subject, "leaf one") {
				t.Errorf("Subject = %q", c.Subject)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p12 := readFx(t, "leaf1.p12")
	jks := readFx(t, "all.jks")
	pem := readFx(t, "leaf1-full.pem")
	tests := []struct {
		name string
		load func() error
		want error
		code int
	}{
		{name: "missing file", load: func() error { _, err := Load(filepath.Join(dir, "nope.pem"), Options{}); return err }, want: os.ErrNotExist, code: 271},
		{name: "empty", load: func() error { _, err := Load(write("empty", nil), Options{}); return err }, want: ErrUnknownFormat, code: 271},
		{name: "garbage", load: func() error {
			_, err := Parse([]byte("\x00\x01 this is not a certificate \xff"), Options{})
			return err
		}, want: ErrUnknownFormat, code: 271},
		{name: "truncated PFX", load: func() error { _, err := Parse(p12[:len(p12)/2], Options{Password: fixturePassword}); return err }, want: ErrUnknownFormat, code: 271},
		{name: "truncated JKS", load: func() error { _, err := Parse(jks[:len(jks)-30], Options{Password: fixturePassword}); return err }, want: ErrUnknownFormat, code: 271},
		{name: "truncated PEM", load: func() error { _, err := Parse(pem[:len(pem)/3], Options{}); return err }, want: ErrUnknownFormat, code: 271},
		{name: "truncated DER certificate", load: func() error { _, err := Parse(readFx(t, "leaf1.der")[:200], Options{}); return err }, want: ErrUnknownFormat, code: 271},
		{name: "PEM without certificate or key", load: func() error {
			_, err := Parse([]byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"), Options{})
			return err
		}, want: ErrUnknownFormat, code: 271},
		{name: "PFX wrong password", load: func() error { _, err := Load(fx(t, "leaf1.p12"), Options{Password: "wrong"}); return err }, want: ErrWrongPassword, code: 271},
		{name: "PFX no password", load: func() error { _, err := Load(fx(t, "leaf1.p12"), Options{}); return err }, want: ErrWrongPassword, code: 271},
		{name: "legacy PFX wrong password", load: func() error { _, err := Load(fx(t, "leaf1-legacy.p12"), Options{Password: "wrong"}); return err }, want: ErrWrongPassword, code: 271},
		{name: "PKCS#8 AES wrong password", load: func() error {
			_, err := LoadPair(fx(t, "leaf1.pem"), fx(t, "leaf1-aes.key"), Options{Password: "wrong"})
			return err
		}, want: ErrWrongPassword, code: 271},
		{name: "PKCS#8 3DES wrong password", load: func() error {
			_, err := LoadPair(fx(t, "leaf1.pem"), fx(t, "leaf1-des3.key"), Options{Password: "wrong"})
			return err
		}, want: ErrWrongPassword, code: 271},
		{name: "legacy PEM wrong password", load: func() error {
			_, err := LoadPair(fx(t, "leaf2.pem"), fx(t, "leaf2-legacy.key"), Options{Password: "wrong"})
			return err
		}, want: ErrWrongPassword, code: 271},
		{name: "JKS wrong password", load: func() error { _, err := Load(fx(t, "all.jks"), Options{Password: "wrong"}); return err }, want: ErrWrongPassword, code: 271},
		{name: "PBES1 wrong password", load: func() error {
			_, err := LoadPair(fx(t, "leaf1.pem"), fx(t, "leaf1-pbes1.key"), Options{Password: "wrong"})
			return err
		}, want: ErrWrongPassword, code: 271},
		{name: "PBES1 DES wrong password", load: func() error {
			_, err := LoadPair(fx(t, "leaf1.pem"), fx(t, "leaf1-pbe-md5-des.key"), Options{Password: "wrong"})
			return err
		}, want: ErrWrongPassword, code: 271},
		{name: "PBES1 with RC2 unsupported", load: func() error {
			_, err := LoadPair(fx(t, "leaf1.pem"), fx(t, "leaf1-pbe-rc2.key"), Options{Password: fixturePassword})
			return err
		}, want: ErrUnknownFormat, code: 271},
		{name: "key matching no certificate", load: func() error { _, err := Load(fx(t, "mismatch.pem"), Options{}); return err }, want: ErrCannotAcquireCredentials, code: 273},
		{name: "pair with wrong key", load: func() error { _, err := LoadPair(fx(t, "leaf1.pem"), fx(t, "leaf2.key"), Options{}); return err }, want: ErrCannotAcquireCredentials, code: 273},
		{name: "key without certificate", load: func() error { _, err := Load(fx(t, "leaf1.key"), Options{}); return err }, want: ErrCannotAcquireCredentials, code: 273},
		{name: "subject not found", load: func() error { _, err := Load(fx(t, "leaf1-full.pem"), Options{Subject: "nobody"}); return err }, want: ErrCertificateNotFound, code: 272},
		{name: "unknown store type", load: func() error { _, err := Load(fx(t, "leaf1.pem"), Options{StoreType: 20}); return err }, want: ErrUnsupportedStore, code: 271},
		{name: "Windows machine store", load: func() error { _, err := Load(fx(t, "leaf1.pem"), Options{StoreType: StoreMachine}); return err }, want: ErrUnsupportedStore, code: 271},
		{name: "PKCS#11", load: func() error { _, err := Parse(pem, Options{StoreType: StorePKCS11}); return err }, want: ErrUnsupportedStore, code: 271},
		{name: "type mismatch", load: func() error { _, err := Load(fx(t, "leaf1.p12"), Options{StoreType: StoreJKSFile}); return err }, want: ErrUnknownFormat, code: 271},
		{name: "JCEKS", load: func() error { _, err := Parse([]byte{0xCE, 0xCE, 0xCE, 0xCE, 0, 0, 0, 2}, Options{}); return err }, want: ErrUnsupportedStore, code: 271},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.load()
			t.Log(err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || ipworksCode(e) != tt.code {
				t.Fatalf("err = %#v, want *Error with code %d", err, tt.code)
			}
		})
	}
}

func TestLoadErrorNamesFile(t *testing.T) {
	t.Parallel()
	path := fx(t, "leaf1.p12")
	_, err := Load(path, Options{})
	var e *Error
	if !errors.As(err, &e) || e.Path != path {
		t.Fatalf("err = %v, want Path %q", err, path)
	}
	if msg := err.Error(); !contains(msg, "Options.Password") || !contains(msg, path) || !contains(msg, "271") {
		t.Errorf("message %q should name the file, the code and what to do", msg)
	}
}
