package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"testing"
)

// rewritePBKDF2 re-encodes an encrypted PKCS#8 key with a different
// iteration count.
func rewritePBKDF2(t *testing.T, der []byte, iterations int) []byte {
	t.Helper()
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		t.Fatal(err)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		t.Fatal(err)
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivation.Parameters.FullBytes, &kdf); err != nil {
		t.Fatal(err)
	}
	kdf.Iterations = iterations
	raw := func(v any) asn1.RawValue {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	params.KeyDerivation.Parameters = raw(kdf)
	info.Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: raw(params)}
	out, err := asn1.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecryptPKCS8Bounds(t *testing.T) {
	t.Parallel()
	block, _ := pem.Decode(readFx(t, "leaf1-aes.key"))
	if _, err := decryptPKCS8(block.Bytes, fixturePassword); err != nil {
		t.Fatalf("openssl's key: %v", err)
	}
	for _, n := range []int{0, maxPBKDF2Iterations + 1} {
		_, err := decryptPKCS8(rewritePBKDF2(t, block.Bytes, n), fixturePassword)
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("iterations %d: err = %v, want ErrUnknownFormat", n, err)
		}
	}
	// Changing the iteration count changes the key: that is a wrong password.
	if _, err := decryptPKCS8(rewritePBKDF2(t, block.Bytes, 3), fixturePassword); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("altered iterations: err = %v, want ErrWrongPassword", err)
	}
	// A truncated ciphertext is malformed, not a password problem.
	short := block.Bytes[:len(block.Bytes)-5]
	if _, err := decryptPKCS8(short, fixturePassword); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("truncated: err = %v, want ErrUnknownFormat", err)
	}
}

func TestEVPBytesToKey(t *testing.T) {
	t.Parallel()
	// openssl enc -aes-256-cbc -P -pass pass:secret -S 0001020304050607 -md md5
	got := evpBytesToKey([]byte("secret"), []byte{0, 1, 2, 3, 4, 5, 6, 7}, 32)
	want := opensslValue(t, openssl(t, "enc", "-aes-256-cbc", "-P", "-pass", "pass:secret", "-S", "0001020304050607", "-md", "md5"), "key=")
	if got := upperHex(got); got != want {
		t.Errorf("key = %s, openssl says %s", got, want)
	}
}
