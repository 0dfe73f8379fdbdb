package ws

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// originPolicy is the Origin check of a Server or Handler (see
// Options.OriginPatterns). nil accepts every origin.
type originPolicy struct {
	patterns []string // lower case
}

// newOriginPolicy checks the patterns; skip turns the check off.
func newOriginPolicy(patterns []string, skip bool) (*originPolicy, error) {
	if skip {
		return nil, nil
	}
	p := &originPolicy{}
	for _, pat := range patterns {
		pat = strings.ToLower(pat)
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("%w: OriginPatterns: %q: %v", ErrInvalidValue, pat, err)
		}
		p.patterns = append(p.patterns, pat)
	}
	return p, nil
}

// check returns nil when a request with this Origin header and Host may
// open a WebSocket: no Origin (not a browser), the same host, or a host
// that one of the patterns matches. Otherwise it says why not.
func (p *originPolicy) check(origin, host string) error {
	if p == nil || origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("the Origin %q is not a URL", origin)
	}
	if strings.EqualFold(u.Host, host) {
		return nil
	}
	for _, pat := range p.patterns {
		target := strings.ToLower(u.Host)
		if strings.Contains(pat, "://") {
			target = strings.ToLower(u.Scheme + "://" + u.Host)
		}
		if ok, _ := path.Match(pat, target); ok {
			return nil
		}
	}
	return fmt.Errorf("the Origin %q is not this server's (%s) nor allowed by OriginPatterns", origin, host)
}
