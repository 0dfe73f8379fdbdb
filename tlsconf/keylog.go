package tlsconf

import (
	"crypto/tls"
	"os"
	"sync"
)

// KeyLog is an append-only key log file (SSLKeyLogFile) in the NSS
// SSLKEYLOGFILE format that Wireshark reads. crypto/tls writes the lines
// (CLIENT_RANDOM for TLS 1.2 and earlier; CLIENT_HANDSHAKE_TRAFFIC_SECRET,
// SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0 and
// SERVER_TRAFFIC_SECRET_0 for TLS 1.3) through tls.Config.KeyLogWriter.
//
// A KeyLog is safe for concurrent use; each line reaches the file in one
// write. Anyone who can read the file can decrypt the logged connections:
// use it for debugging only.
type KeyLog struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// OpenKeyLog opens path for appending, creating it with mode 0600 if it
// does not exist. Existing content is kept: the file is never truncated.
func OpenKeyLog(path string) (*KeyLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &Error{Err: ErrInvalidValue, Setting: "SSLKeyLogFile", Value: path, Detail: "cannot open the key log file", Cause: err}
	}
	return &KeyLog{f: f, path: path}, nil
}

// Path returns the file name the KeyLog was opened with.
func (k *KeyLog) Path() string { return k.path }

// Write appends p, one key log line, to the file. After Close it returns
// an error wrapping os.ErrClosed.
func (k *KeyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return 0, &os.PathError{Op: "write", Path: k.path, Err: os.ErrClosed}
	}
	return k.f.Write(p)
}

// Close closes the file. Closing twice is not an error.
func (k *KeyLog) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return nil
	}
	err := k.f.Close()
	k.f = nil
	return err
}

// Close releases what a config built by [Settings.ServerConfig] or
// [Settings.ClientConfig] holds open: the key log file, when its
// KeyLogWriter is a [*KeyLog]. Call it when the listener or client using
// cfg is done. It is safe on any config and on nil.
func Close(cfg *tls.Config) error {
	if cfg == nil {
		return nil
	}
	if k, ok := cfg.KeyLogWriter.(*KeyLog); ok {
		return k.Close()
	}
	return nil
}
