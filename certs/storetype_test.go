package certs

import (
	"errors"
	"testing"
)

func TestParseStoreType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]StoreType{
		"2": StorePFXFile, "3": StorePFXBlob, "4": StoreJKSFile, "5": StoreJKSBlob, "6": StorePEMKeyFile,
		"7": StorePEMKeyBlob, "8": StorePublicKeyFile, "9": StorePublicKeyBlob, "11": StoreP7BFile,
		"12": StoreP7BBlob, "18": StoreJWKFile, "19": StoreJWKBlob, "99": StoreAuto,
		"cstPFXFile": StorePFXFile, "pfxblob": StorePFXBlob, "auto": StoreAuto, "": StoreAuto,
		"pfx": StorePFXFile, "jks": StoreJKSFile, "pem": StorePEMKeyFile, "der": StorePublicKeyFile,
		"p7b": StoreP7BFile, "jwk": StoreJWKFile, "cstAuto": StoreAuto,
	} {
		got, err := ParseStoreType(in)
		if err != nil || got != want {
			t.Errorf("ParseStoreType(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestUnsupportedStoreTypes(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"0", "1", "10", "13", "14", "15", "16", "17", "21", "22", "23", "20", "100", "-1", "cstUser", "pkcs11", "bcfksfile", "nonsense"} {
		_, err := ParseStoreType(in)
		var e *Error
		if !errors.Is(err, ErrUnsupportedStore) || !errors.As(err, &e) || ipworksCode(e) != 271 {
			t.Errorf("ParseStoreType(%q) = %v, want ErrUnsupportedStore with code 271", in, err)
		}
	}
	if _, err := StoreTypeFromCode(0); !errors.Is(err, ErrUnsupportedStore) {
		t.Errorf("StoreTypeFromCode(0) = %v: the Windows user store must be rejected", err)
	}
	if got, err := StoreTypeFromCode(2); err != nil || got != StorePFXFile {
		t.Errorf("StoreTypeFromCode(2) = %v, %v", got, err)
	}
}

func TestStoreTypeString(t *testing.T) {
	t.Parallel()
	for typ, want := range map[StoreType]string{StorePFXFile: "PFXFile", StoreAuto: "Auto", StoreUser: "User", StorePKCS11: "PKCS11", 42: "StoreType(42)"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(typ), got, want)
		}
	}
}

func TestZeroStoreTypeIsAuto(t *testing.T) {
	t.Parallel()
	// Options{} (StoreType 0) must detect, not try a Windows store.
	if _, err := Load(fx(t, "leaf1.p12"), Options{Password: fixturePassword}); err != nil {
		t.Fatal(err)
	}
}
