package access_test

import (
	"fmt"
	"net/netip"

	"github.com/tlskit/tlskit/internal/access"
)

func Example() {
	allowed, err := access.Parse("192.168.1.*, 10.0.0.0/8, ::1")
	if err != nil {
		fmt.Println(err)
		return
	}
	blocked, err := access.Parse("10.0.0.13")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := access.Policy{Allowed: allowed, Blocked: blocked}
	for _, s := range []string{"192.168.1.20", "::ffff:10.1.2.3", "10.0.0.13", "172.16.0.1"} {
		fmt.Printf("%-16s %v\n", s, p.Check(netip.MustParseAddr(s)))
	}

	_, err = access.Parse("10.0.0.1, files.example.com")
	fmt.Println(err)
	// Output:
	// 192.168.1.20     accepted
	// ::ffff:10.1.2.3  accepted
	// 10.0.0.13        in BlockedClients
	// 172.16.0.1       not in AllowedClients
	// access: entry 2 "files.example.com": host names are not supported; use an IP address, CIDR prefix or wildcard pattern
}
