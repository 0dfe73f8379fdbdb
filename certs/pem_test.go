package certs

import (
	"errors"
	"os"
	"testing"
)

func TestPEMSkipsECParameters(t *testing.T) {
	t.Parallel()
	// openssl ecparam -genkey writes an "EC PARAMETERS" block before the key.
	dir := t.TempDir()
	openssl(t, "ecparam", "-name", "prime256v1", "-genkey", "-out", dir+"/k.pem")
	openssl(t, "req", "-config", "x.cnf", "-x509", "-new", "-key", dir+"/k.pem", "-subj", "/CN=ecparam", "-days", "1", "-out", dir+"/c.pem")
	key, err := os.ReadFile(dir + "/k.pem")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := os.ReadFile(dir + "/c.pem")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(append(key, cert...), Options{StoreType: StorePEMKeyBlob})
	if err != nil {
		t.Fatal(err)
	}
	if !c.PrivateKeyAvailable || c.Leaf.Subject.CommonName != "ecparam" {
		t.Errorf("got %s, key %v", c.Subject, c.PrivateKeyAvailable)
	}
}

func TestPEMBadBlocks(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"bad certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"bad key":         "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"bad legacy DEK":  "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: IDEA-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
	} {
		_, err := Parse([]byte(data), Options{})
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("%s: err = %v, want ErrUnknownFormat", name, err)
		}
	}
}
