package servers

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/loadgen"
)

// TestEveryServerEchoes runs a short bench against each server: every
// message must come back intact and in order, at a rate and closed-loop.
func TestEveryServerEchoes(t *testing.T) {
	for _, s := range All {
		t.Run(s.Name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			var cfg *tls.Config
			if s.Proto == "tls" {
				if cfg, err = TLSConfig(); err != nil {
					t.Fatal(err)
				}
			}
			stop, err := s.Start(addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			url := s.Proto + "://" + addr
			if s.Proto == "ws" {
				url += "/echo"
			}
			for _, rate := range []float64{0, 500} {
				res, err := loadgen.Run(context.Background(), loadgen.Options{
					URL: url, Conns: 4, Size: 3000, Rate: rate, Duration: 300 * time.Millisecond,
					TLSConfig: &tls.Config{InsecureSkipVerify: true},
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Errors) != 0 || res.ConnsOpened != 4 || res.Messages == 0 || res.Received != res.Sent {
					t.Fatalf("rate %v: opened %d, sent %d, received %d, errors %v", rate, res.ConnsOpened, res.Sent, res.Received, res.Errors)
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	if s, err := Lookup("gorilla"); err != nil || s.Proto != "ws" {
		t.Fatalf("gorilla: %+v, %v", s, err)
	}
	if _, err := Lookup("nope"); err == nil {
		t.Fatal("unknown server found")
	}
	seen := map[string]bool{}
	for _, s := range All {
		if seen[s.Name] {
			t.Fatalf("duplicate name %q", s.Name)
		}
		seen[s.Name] = true
	}
}
