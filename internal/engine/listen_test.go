package engine

import (
	"net/netip"
	"testing"
)

func TestResolveListenAddr(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     ListenConfig
		want    string
		wantErr bool
	}{
		{name: "ipv4 wildcard", cfg: ListenConfig{}, want: "0.0.0.0:0"},
		{name: "ipv6 wildcard", cfg: ListenConfig{Family: IPv6Only, Port: 80}, want: "[::]:80"},
		{name: "dual maps ipv4", cfg: ListenConfig{Host: "127.0.0.1", Family: DualStack}, want: "[::ffff:127.0.0.1]:0"},
		{name: "ipv4 on ipv6-only", cfg: ListenConfig{Host: "127.0.0.1", Family: IPv6Only}, wantErr: true},
		{name: "ipv6 on ipv4-only", cfg: ListenConfig{Host: "::1"}, wantErr: true},
		{name: "bad port", cfg: ListenConfig{Port: 70000}, wantErr: true},
		{name: "bad family", cfg: ListenConfig{Host: "::1", Family: 5}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveListenAddr(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && got != netip.MustParseAddrPort(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestListenTCPBacklogAndFamily(t *testing.T) {
	ln, err := ListenTCP(ListenConfig{Host: "127.0.0.1", Backlog: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() == "" {
		t.Fatal("no address")
	}
	if _, err := ListenTCP(ListenConfig{Host: "127.0.0.1", Port: int(ln.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())}); err == nil {
		t.Fatal("a second exclusive bind of the same port succeeded")
	}
}

func TestFamilyString(t *testing.T) {
	if IPv4Only.String() != "IPv4 only" || DualStack.String() != "IPv6 and IPv4" || Family(9).String() != "Family(9)" {
		t.Fatal("Family.String")
	}
}
