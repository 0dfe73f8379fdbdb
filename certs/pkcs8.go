package certs

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"hash"
	"strings"
)

// maxPBKDF2Iterations bounds the work a hostile file can demand (about a
// second). OpenSSL uses 2048 by default; OWASP suggests 600,000 for SHA-256.
const maxPBKDF2Iterations = 2_000_000

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidDESCBC     = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}
)

type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KeyDerivation pkix.AlgorithmIdentifier
	Encryption    pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// cbcCipher describes a CBC block cipher usable by PBES2 or legacy PEM.
type cbcCipher struct {
	keyLen int
	block  func(key []byte) (cipher.Block, error)
}

var pbes2Ciphers = map[string]cbcCipher{
	oidAES128CBC.String():  {16, aes.NewCipher},
	oidAES192CBC.String():  {24, aes.NewCipher},
	oidAES256CBC.String():  {32, aes.NewCipher},
	oidDESEDE3CBC.String(): {24, des.NewTripleDESCipher},
	oidDESCBC.String():     {8, des.NewCipher},
}

var pbkdf2PRFs = map[string]func() hash.Hash{
	oidHMACSHA1.String():   sha1.New,
	oidHMACSHA224.String(): sha256.New224,
	oidHMACSHA256.String(): sha256.New,
	oidHMACSHA384.String(): sha512.New384,
	oidHMACSHA512.String(): sha512.New,
}

// decryptPKCS8 decrypts a DER EncryptedPrivateKeyInfo protected with PBES2
// (PBKDF2 with HMAC-SHA1/SHA-2, AES-CBC, DES-EDE3-CBC or DES-CBC), or with
// one of the older schemes of pbes1.go, and parses the key inside.
func decryptPKCS8(der []byte, password string) (crypto.Signer, error) {
	malformed := func(detail string, err error) error {
		return newError("parse", ErrUnknownFormat, "malformed encrypted private key: "+detail, err)
	}
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, malformed("bad EncryptedPrivateKeyInfo", err)
	}
	if pbe, ok := legacyPBEs[info.Algorithm.Algorithm.String()]; ok {
		p, err := legacyPBEParams(info.Algorithm.Parameters.FullBytes)
		if err != nil {
			return nil, malformed("bad "+pbe.name+" parameters", err)
		}
		key, iv := pbe.derive(password, p, pbe.cipher.keyLen)
		return decryptKey(pbe.cipher, key, iv, info.Data, password, malformed)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, newError("parse", ErrUnknownFormat,
			fmt.Sprintf("key encryption scheme %s is not supported (PBES2, and PBES1 or PKCS#12 PBE with DES or 3DES): re-encrypt with openssl pkcs8 -topk8 -v2 aes256", info.Algorithm.Algorithm), nil)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, malformed("bad PBES2 parameters", err)
	}
	if !params.KeyDerivation.Algorithm.Equal(oidPBKDF2) {
		return nil, malformed(fmt.Sprintf("key derivation %s is not supported (only PBKDF2)", params.KeyDerivation.Algorithm), nil)
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivation.Parameters.FullBytes, &kdf); err != nil {
		return nil, malformed("bad PBKDF2 parameters", err)
	}
	if kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Iterations {
		return nil, malformed(fmt.Sprintf("PBKDF2 iteration count %d is outside 1..%d", kdf.Iterations, maxPBKDF2Iterations), nil)
	}
	prf := sha1.New
	if len(kdf.PRF.Algorithm) > 0 {
		var ok bool
		if prf, ok = pbkdf2PRFs[kdf.PRF.Algorithm.String()]; !ok {
			return nil, malformed(fmt.Sprintf("PBKDF2 PRF %s is not supported", kdf.PRF.Algorithm), nil)
		}
	}
	ciph, ok := pbes2Ciphers[params.Encryption.Algorithm.String()]
	if !ok {
		return nil, malformed(fmt.Sprintf("cipher %s is not supported (use AES-CBC or DES-EDE3-CBC)", params.Encryption.Algorithm), nil)
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != ciph.keyLen {
		return nil, malformed("PBKDF2 key length does not match the cipher", nil)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Encryption.Parameters.FullBytes, &iv); err != nil {
		return nil, malformed("bad cipher IV", err)
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iterations, ciph.keyLen)
	if err != nil {
		return nil, newError("decrypt", ErrWrongPassword, "PBKDF2 rejected the password", err)
	}
	return decryptKey(ciph, key, iv, info.Data, password, malformed)
}

// decryptKey decrypts an encrypted PKCS#8 key's data and parses the key.
func decryptKey(ciph cbcCipher, key, iv, data []byte, password string, malformed func(string, error) error) (crypto.Signer, error) {
	plain, err := decryptCBC(ciph, key, iv, data)
	if err != nil {
		if err == errBadPadding {
			return nil, newError("decrypt", ErrWrongPassword, passwordHint("encrypted private key", password), nil)
		}
		return nil, malformed(err.Error(), nil)
	}
	signer, err := parsePrivateKeyDER(plain)
	if err != nil {
		// A wrong password that happens to leave valid padding (about 1 in 256).
		return nil, newError("decrypt", ErrWrongPassword, passwordHint("encrypted private key", password), nil)
	}
	return signer, nil
}

type cbcError string

func (e cbcError) Error() string { return string(e) }

const errBadPadding = cbcError("bad padding after decryption")

// decryptCBC decrypts data and removes PKCS#7 padding. A padding error is
// almost always a wrong password and is reported as errBadPadding.
func decryptCBC(c cbcCipher, key, iv, data []byte) ([]byte, error) {
	block, err := c.block(key)
	if err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(iv) != bs {
		return nil, cbcError(fmt.Sprintf("IV is %d bytes, the cipher needs %d", len(iv), bs))
	}
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, cbcError("ciphertext is not a whole number of blocks (truncated?)")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs {
		return nil, errBadPadding
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, errBadPadding
		}
	}
	return out[:len(out)-pad], nil
}

var legacyPEMCiphers = map[string]cbcCipher{
	"AES-128-CBC":  {16, aes.NewCipher},
	"AES-192-CBC":  {24, aes.NewCipher},
	"AES-256-CBC":  {32, aes.NewCipher},
	"DES-EDE3-CBC": {24, des.NewTripleDESCipher},
	"DES-CBC":      {8, des.NewCipher},
}

// decryptLegacyPEM decrypts an OpenSSL "traditional" encrypted PEM block
// (Proc-Type: 4,ENCRYPTED with a DEK-Info header). The key is derived with
// OpenSSL's EVP_BytesToKey (MD5, one round, salt = first 8 IV bytes). This
// scheme is weak; prefer encrypted PKCS#8.
func decryptLegacyPEM(block *pem.Block, password string) ([]byte, error) {
	name, ivHex, ok := strings.Cut(block.Headers["DEK-Info"], ",")
	c, known := legacyPEMCiphers[strings.ToUpper(strings.TrimSpace(name))]
	if !ok || !known {
		return nil, newError("parse", ErrUnknownFormat,
			fmt.Sprintf("legacy encrypted PEM cipher %q is not supported: convert with openssl pkcs8 -topk8 -v2 aes256", name), nil)
	}
	iv, err := hex.DecodeString(strings.TrimSpace(ivHex))
	if err != nil || len(iv) < 8 {
		return nil, newError("parse", ErrUnknownFormat, "malformed DEK-Info IV in encrypted PEM", err)
	}
	key := evpBytesToKey([]byte(password), iv[:8], c.keyLen)
	plain, err := decryptCBC(c, key, iv, block.Bytes)
	if err == errBadPadding {
		return nil, newError("decrypt", ErrWrongPassword, passwordHint("PEM key", password), nil)
	}
	if err != nil {
		return nil, newError("parse", ErrUnknownFormat, "malformed encrypted PEM: "+err.Error(), nil)
	}
	return plain, nil
}

func evpBytesToKey(password, salt []byte, keyLen int) []byte {
	var key, prev []byte
	for len(key) < keyLen {
		h := md5.New()
		h.Write(prev)
		h.Write(password)
		h.Write(salt)
		prev = h.Sum(nil)
		key = append(key, prev...)
	}
	return key[:keyLen]
}
