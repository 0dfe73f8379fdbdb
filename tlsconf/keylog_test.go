package tlsconf

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// NSS key log line: label, 32-byte client random, secret (48 bytes for
// CLIENT_RANDOM, the hash size for the TLS 1.3 labels).
var keyLogLine = regexp.MustCompile(`^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0) ([0-9a-f]{64}) ([0-9a-f]{64,128})$`)

func readKeyLog(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := keyLogLine.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("malformed key log line %q", sc.Text())
		}
		if m[1] == "CLIENT_RANDOM" && len(m[3]) != 96 {
			t.Fatalf("CLIENT_RANDOM secret is %d hex digits, want 96", len(m[3]))
		}
		labels[m[1]]++
	}
	return labels
}

func TestKeyLogFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.log")
	if err := os.WriteFile(path, []byte("# existing line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// TLS 1.2 with one pair of configs...
	sc, cc := mustConfigs(t, &Settings{Protocols: TLS12, KeyLogFile: path}, &Settings{}, pki(t).ecLeaf)
	if _, ok := sc.KeyLogWriter.(*KeyLog); !ok {
		t.Fatalf("KeyLogWriter is %T", sc.KeyLogWriter)
	}
	if r := handshake(t, sc, cc); r.serverErr != nil {
		t.Fatal(r.serverErr)
	}
	if err := Close(sc); err != nil {
		t.Fatal(err)
	}
	// ...then TLS 1.3 with a second config on the same file.
	sc2, cc2 := mustConfigs(t, &Settings{Protocols: TLS13}, &Settings{KeyLogFile: path}, pki(t).ecLeaf)
	if r := handshake(t, sc2, cc2); r.clientErr != nil {
		t.Fatal(r.clientErr)
	}
	if err := Close(cc2); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# existing line\n") {
		t.Fatal("key log was truncated")
	}
	if err := os.WriteFile(path, data[len("# existing line\n"):], 0o600); err != nil {
		t.Fatal(err)
	}
	labels := readKeyLog(t, path)
	for _, l := range []string{"CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} {
		if labels[l] != 1 {
			t.Errorf("%s appears %d times, want 1 (labels %v)", l, labels[l], labels)
		}
	}
}

func TestKeyLogMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.log")
	k, err := OpenKeyLog(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if k.Path() != path {
		t.Fatal("Path")
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := k.Write([]byte("x\n")); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
}

func TestKeyLogConcurrent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.log")
	k, err := OpenKeyLog(path)
	if err != nil {
		t.Fatal(err)
	}
	line := "CLIENT_RANDOM " + strings.Repeat("ab", 32) + " " + strings.Repeat("cd", 48) + "\n"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := k.Write([]byte(line)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if n := readKeyLog(t, path)["CLIENT_RANDOM"]; n != 400 {
		t.Fatalf("%d lines, want 400", n)
	}
}

func TestKeyLogErrors(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "missing-dir", "k.log")
	if _, err := OpenKeyLog(bad); !errors.Is(err, ErrInvalidValue) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenKeyLog = %v", err)
	}
	s := Settings{KeyLogFile: bad}
	if cfg, err := s.ServerConfig(); err == nil || cfg != nil {
		t.Fatal("ServerConfig opened an impossible key log")
	}
	if err := Close(nil); err != nil {
		t.Fatal(err)
	}
	var w strings.Builder
	s = Settings{KeyLogWriter: &w, KeyLogFile: bad}
	cfg, err := s.ClientConfig()
	if err != nil || cfg.KeyLogWriter != &w {
		t.Fatalf("KeyLogWriter not preferred: %v", err)
	}
	if err := Close(cfg); err != nil {
		t.Fatal(err)
	}
}
