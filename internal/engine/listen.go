package engine

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// ResolveListenAddr turns cfg's Host, Port and Family into the address to
// bind. An empty Host is the wildcard of the family; a host name is resolved
// and its first address of a fitting family is used.
func ResolveListenAddr(cfg ListenConfig) (netip.AddrPort, error) {
	if cfg.Port < 0 || cfg.Port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("engine: port %d out of range 0-65535", cfg.Port)
	}
	port := uint16(cfg.Port)
	if cfg.Host == "" {
		if cfg.Family == IPv4Only {
			return netip.AddrPortFrom(netip.IPv4Unspecified(), port), nil
		}
		return netip.AddrPortFrom(netip.IPv6Unspecified(), port), nil
	}
	if a, err := netip.ParseAddr(cfg.Host); err == nil {
		a = a.WithZone("")
		if err := familyFits(a, cfg.Family); err != nil {
			return netip.AddrPort{}, err
		}
		if cfg.Family != IPv4Only && a.Is4() {
			a = netip.AddrFrom16(a.As16())
		}
		return netip.AddrPortFrom(a, port), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", cfg.Host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	for _, a := range addrs {
		a = a.Unmap()
		if familyFits(a, cfg.Family) == nil {
			if cfg.Family != IPv4Only && a.Is4() {
				a = netip.AddrFrom16(a.As16())
			}
			return netip.AddrPortFrom(a, port), nil
		}
	}
	return netip.AddrPort{}, fmt.Errorf("engine: host %q has no address usable with %v", cfg.Host, cfg.Family)
}

func familyFits(a netip.Addr, f Family) error {
	a = a.Unmap()
	switch {
	case f == IPv4Only && !a.Is4():
		return fmt.Errorf("engine: %v is not an IPv4 address but IPv6 is off (UseIPv6=0)", a)
	case f == IPv6Only && a.Is4():
		return fmt.Errorf("engine: %v is an IPv4 address but IPv6-only is set (UseIPv6=1)", a)
	case f < IPv4Only || f > DualStack:
		return fmt.Errorf("engine: address family %d is not 0, 1 or 2", int(f))
	}
	return nil
}

// String describes the family in words.
func (f Family) String() string {
	switch f {
	case IPv4Only:
		return "IPv4 only"
	case IPv6Only:
		return "IPv6 only"
	case DualStack:
		return "IPv6 and IPv4"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}
