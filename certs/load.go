package certs

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Options says how to open a store and which certificate to take from it.
// The zero value detects the format, uses no password and selects the first
// certificate that has a private key.
type Options struct {
	// StoreType forces a format. The zero value means StoreAuto (detect),
	// not IPWorks's 0, the Windows user store, which does not exist outside
	// Windows. Unsupported types fail with ErrUnsupportedStore.
	StoreType StoreType
	// Password opens PFX and JKS stores and encrypted private keys (PKCS#8
	// and legacy PEM). JKS key entries must use the store password.
	Password string
	// Subject selects the certificate; see Store.Select. "" and "*" take the
	// first certificate with a private key.
	Subject string
}

// maxFileSize bounds what Load reads; certificate stores are small.
const maxFileSize = 64 << 20

// Load opens the store in the file at path and selects a certificate.
func Load(path string, opts Options) (*Certificate, error) {
	s, err := LoadStore(path, opts)
	if err != nil {
		return nil, err
	}
	c, err := s.Select(opts.Subject)
	return c, withPath(err, path)
}

// Parse opens the store held in data and selects a certificate.
func Parse(data []byte, opts Options) (*Certificate, error) {
	s, err := ParseStore(data, opts)
	if err != nil {
		return nil, err
	}
	return s.Select(opts.Subject)
}

// LoadStore opens the store in the file at path. opts.Subject is ignored.
func LoadStore(path string, opts Options) (*Store, error) {
	c, err := readContents(path, opts)
	if err != nil {
		return nil, err
	}
	s, err := newStore(c)
	return s, withPath(err, path)
}

// ParseStore opens the store held in data. opts.Subject is ignored.
func ParseStore(data []byte, opts Options) (*Store, error) {
	c, err := parseContents(data, opts)
	if err != nil {
		return nil, err
	}
	return newStore(c)
}

// LoadPair loads a certificate file and a separate private key file, in any
// of the formats Load reads, and selects opts.Subject among the
// certificates. opts.StoreType applies to certPath; the key file's format is
// always detected. opts.Password opens either. The key must match one of
// the certificates, else ErrCannotAcquireCredentials (273).
func LoadPair(certPath, keyPath string, opts Options) (*Certificate, error) {
	c, err := readContents(certPath, opts)
	if err != nil {
		return nil, err
	}
	k, err := readContents(keyPath, Options{Password: opts.Password})
	if err != nil {
		return nil, err
	}
	c.add(k)
	s, err := newStore(c)
	if err != nil {
		return nil, withPath(err, keyPath)
	}
	cert, err := s.Select(opts.Subject)
	return cert, withPath(err, certPath)
}

func readContents(path string, opts Options) (*contents, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in Error.Path
		}
		return nil, &Error{Op: "open", Path: path, Err: errorsJoin(ErrCannotOpenStore, err)}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxFileSize {
		return nil, &Error{Op: "open", Path: path, Err: errorsJoin(ErrUnknownFormat, errTooLarge)}
	}
	data, err := readAllLimited(f)
	if err != nil {
		return nil, &Error{Op: "open", Path: path, Err: errorsJoin(ErrCannotOpenStore, err)}
	}
	c, err := parseContents(data, opts)
	return c, withPath(err, path)
}

func parseContents(data []byte, opts Options) (*contents, error) {
	f, err := opts.StoreType.formatOf()
	if err != nil {
		return nil, err
	}
	return decode(data, f, opts.Password)
}

var errTooLarge = fmt.Errorf("the file is larger than %d MiB; certificate stores are small", maxFileSize>>20)

func errorsJoin(kind, cause error) error { return fmt.Errorf("%w: %w", kind, cause) }

func readAllLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err == nil && len(data) > maxFileSize {
		err = errors.New("file grew past the size limit while reading")
	}
	return data, err
}
