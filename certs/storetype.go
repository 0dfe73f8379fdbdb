package certs

import (
	"fmt"
	"strconv"
	"strings"
)

// StoreType names a kind of certificate store. The numbers are those of
// IPWorks's CertStoreType (cstPFXFile is 2), so a number from an existing
// IPWorks configuration means the same thing here.
//
// The File and Blob variants of a format select the same decoder: [Load]
// always reads a file and [Parse] always takes the bytes, whichever variant is
// named. Blob contents may also be Base64 encoded.
//
// In [Options] the zero value means automatic detection ([StoreAuto]), not
// IPWorks's default 0 ([StoreUser]): the Windows user store does not exist
// outside Windows. Use [StoreTypeFromCode] or [ParseStoreType] to turn a
// number from a configuration into a StoreType; they reject 0 and the other
// stores this package cannot open.
type StoreType int

// Store types, numbered as IPWorks's CertStoreType values.
const (
	StoreUser             StoreType = 0  // Windows current-user store: unsupported
	StoreMachine          StoreType = 1  // Windows machine store: unsupported
	StorePFXFile          StoreType = 2  // PKCS#12 (.pfx, .p12) file
	StorePFXBlob          StoreType = 3  // PKCS#12 bytes, binary or Base64
	StoreJKSFile          StoreType = 4  // Java KeyStore file
	StoreJKSBlob          StoreType = 5  // Java KeyStore bytes, binary or Base64
	StorePEMKeyFile       StoreType = 6  // PEM or DER private key with optional certificates
	StorePEMKeyBlob       StoreType = 7  // as StorePEMKeyFile, from bytes
	StorePublicKeyFile    StoreType = 8  // PEM or DER certificate(s)
	StorePublicKeyBlob    StoreType = 9  // as StorePublicKeyFile, from bytes
	StoreSSHPublicKeyBlob StoreType = 10 // SSH public key: unsupported
	StoreP7BFile          StoreType = 11 // PKCS#7 certificate bundle, PEM or DER
	StoreP7BBlob          StoreType = 12 // as StoreP7BFile, from bytes
	StoreSSHPublicKeyFile StoreType = 13 // SSH public key file: unsupported
	StorePPKFile          StoreType = 14 // PuTTY private key: unsupported
	StorePPKBlob          StoreType = 15 // PuTTY private key: unsupported
	StoreXMLFile          StoreType = 16 // .NET XML key: unsupported
	StoreXMLBlob          StoreType = 17 // .NET XML key: unsupported
	StoreJWKFile          StoreType = 18 // JSON Web Key (or key set) with x5c
	StoreJWKBlob          StoreType = 19 // as StoreJWKFile, from bytes
	StoreBCFKSFile        StoreType = 21 // Bouncy Castle FIPS key store: unsupported
	StoreBCFKSBlob        StoreType = 22 // Bouncy Castle FIPS key store: unsupported
	StorePKCS11           StoreType = 23 // PKCS#11 token: unsupported
	StoreAuto             StoreType = 99 // detect the format from the data
)

type storeInfo struct {
	name   string // IPWorks's name without the "cst" prefix
	format format // decoder; formatNone when unsupported
	reason string // why unsupported, and what to do instead
}

var storeTypes = map[StoreType]storeInfo{
	StoreUser:             {"User", formatNone, "Windows certificate stores do not exist here; export the certificate to a PFX file"},
	StoreMachine:          {"Machine", formatNone, "Windows certificate stores do not exist here; export the certificate to a PFX file"},
	StorePFXFile:          {"PFXFile", formatPFX, ""},
	StorePFXBlob:          {"PFXBlob", formatPFX, ""},
	StoreJKSFile:          {"JKSFile", formatJKS, ""},
	StoreJKSBlob:          {"JKSBlob", formatJKS, ""},
	StorePEMKeyFile:       {"PEMKeyFile", formatPEMKey, ""},
	StorePEMKeyBlob:       {"PEMKeyBlob", formatPEMKey, ""},
	StorePublicKeyFile:    {"PublicKeyFile", formatPublicKey, ""},
	StorePublicKeyBlob:    {"PublicKeyBlob", formatPublicKey, ""},
	StoreSSHPublicKeyBlob: {"SSHPublicKeyBlob", formatNone, "SSH keys are not X.509 certificates"},
	StoreP7BFile:          {"P7BFile", formatP7B, ""},
	StoreP7BBlob:          {"P7BBlob", formatP7B, ""},
	StoreSSHPublicKeyFile: {"SSHPublicKeyFile", formatNone, "SSH keys are not X.509 certificates"},
	StorePPKFile:          {"PPKFile", formatNone, "convert the PuTTY key to PEM with puttygen"},
	StorePPKBlob:          {"PPKBlob", formatNone, "convert the PuTTY key to PEM with puttygen"},
	StoreXMLFile:          {"XMLFile", formatNone, "XML keys are not supported; export to PEM or PFX"},
	StoreXMLBlob:          {"XMLBlob", formatNone, "XML keys are not supported; export to PEM or PFX"},
	StoreJWKFile:          {"JWKFile", formatJWK, ""},
	StoreJWKBlob:          {"JWKBlob", formatJWK, ""},
	StoreBCFKSFile:        {"BCFKSFile", formatNone, "convert the BCFKS store to PKCS#12 with keytool -importkeystore"},
	StoreBCFKSBlob:        {"BCFKSBlob", formatNone, "convert the BCFKS store to PKCS#12 with keytool -importkeystore"},
	StorePKCS11:           {"PKCS11", formatNone, "PKCS#11 tokens are not supported; export the certificate to a PFX file"},
	StoreAuto:             {"Auto", formatAuto, ""},
}

// String returns IPWorks's name of t without its "cst" prefix, such as
// "PFXFile", or "StoreType(n)" for an unknown number.
func (t StoreType) String() string {
	if info, ok := storeTypes[t]; ok {
		return info.name
	}
	return "StoreType(" + strconv.Itoa(int(t)) + ")"
}

// StoreTypeFromCode returns the store type numbered n. It fails
// with [ErrUnsupportedStore] for unknown numbers and for the stores this
// package cannot open (0 and 1 Windows, 10/13 SSH, 14/15 PPK, 16/17 XML,
// 21/22 BCFKS, 23 PKCS#11).
func StoreTypeFromCode(n int) (StoreType, error) {
	t := StoreType(n)
	if err := t.check(); err != nil {
		return 0, err
	}
	return t, nil
}

// ParseStoreType accepts a number ("2"), an IPWorks CertStoreType name with
// or without its "cst" prefix ("cstPFXFile", "pfxfile"), or a short format
// name: "auto" (or ""), "pfx", "p12", "pkcs12", "jks", "pem", "key",
// "cert", "crt", "der", "p7b", "p7c", "pkcs7", "jwk". Case and surrounding
// spaces are ignored. Unsupported and unknown types give
// [ErrUnsupportedStore].
func ParseStoreType(s string) (StoreType, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return StoreTypeFromCode(n)
	}
	name := strings.TrimPrefix(strings.ToLower(s), "cst")
	switch name {
	case "", "auto":
		return StoreAuto, nil
	case "pfx", "p12", "pkcs12":
		return StorePFXFile, nil
	case "jks":
		return StoreJKSFile, nil
	case "pem", "key":
		return StorePEMKeyFile, nil
	case "cert", "crt", "der":
		return StorePublicKeyFile, nil
	case "p7b", "p7c", "pkcs7":
		return StoreP7BFile, nil
	case "jwk":
		return StoreJWKFile, nil
	}
	for t, info := range storeTypes {
		if strings.ToLower(info.name) == name {
			return StoreTypeFromCode(int(t))
		}
	}
	return 0, newError("parse store type", ErrUnsupportedStore,
		fmt.Sprintf("unknown store type %q: use a number such as 2 (PFX) or 99 (auto), or a name such as pfx, jks, pem, p7b, jwk", s), nil)
}

// check reports whether t can be opened by this package.
func (t StoreType) check() error {
	info, ok := storeTypes[t]
	if !ok {
		return newError("open", ErrUnsupportedStore,
			fmt.Sprintf("unknown store type %d: use 2/3 PFX, 4/5 JKS, 6/7 PEM key, 8/9 certificate, 11/12 P7B, 18/19 JWK or 99 auto", int(t)), nil)
	}
	if info.format == formatNone {
		return newError("open", ErrUnsupportedStore,
			fmt.Sprintf("store type %d (%s): %s", int(t), info.name, info.reason), nil)
	}
	return nil
}

// formatOf returns the decoder selected by t, mapping the Options zero value to auto.
func (t StoreType) formatOf() (format, error) {
	if t == 0 {
		return formatAuto, nil
	}
	if err := t.check(); err != nil {
		return formatNone, err
	}
	return storeTypes[t].format, nil
}
