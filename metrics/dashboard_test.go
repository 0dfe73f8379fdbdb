package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestGrafanaDashboard: docs/grafana-tlskit.json is valid JSON, a
// dashboard with panels whose every query names only metrics this
// package exports (a histogram's _bucket, _sum and _count included).
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("../docs/grafana-tlskit.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct{ List []struct{ Definition string } }
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("docs/grafana-tlskit.json: %v", err)
	}
	exported := map[string]bool{}
	ch := make(chan *prometheus.Desc, 64)
	go func() { New().Describe(ch); close(ch) }()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for desc := range ch {
		m := fqName.FindStringSubmatch(desc.String())
		if m == nil {
			t.Fatalf("no name in %v", desc)
		}
		exported[m[1]] = true
	}
	known := func(name string) bool {
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			if exported[strings.TrimSuffix(name, suffix)] && (suffix == "" || strings.HasSuffix(name, suffix)) {
				return true
			}
		}
		return false
	}
	metric := regexp.MustCompile(`\btlskit_[a-z_]+`)
	var exprs []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		exprs = append(exprs, v.Definition)
	}
	used := map[string]bool{}
	for _, e := range exprs {
		names := metric.FindAllString(e, -1)
		if len(names) == 0 && strings.Contains(e, "(") {
			t.Errorf("query %q names no tlskit metric", e)
		}
		for _, n := range names {
			if !known(n) {
				t.Errorf("query %q names %s, which package metrics does not export", e, n)
			}
			used[n] = true
		}
	}
	if d.Title == "" || len(d.Panels) < 8 || len(used) < 10 {
		t.Errorf("dashboard %q: %d panels, %d metrics used", d.Title, len(d.Panels), len(used))
	}
}
