package access

import (
	"errors"
	"net/netip"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list string
		yes  []string
		no   []string
	}{
		{list: "*", yes: []string{"1.2.3.4", "::1", "::ffff:10.0.0.1", "fe80::1%eth0"}},
		{list: "", no: []string{"1.2.3.4", "::1"}},
		{list: "192.168.1.*", yes: []string{"192.168.1.0", "192.168.1.255", "::ffff:192.168.1.7"}, no: []string{"192.168.10.1", "192.168.2.1", "::1"}},
		{list: "192.168.*", yes: []string{"192.168.1.2", "192.168.200.3"}, no: []string{"192.169.1.2"}},
		{list: "10.?.0.1", yes: []string{"10.5.0.1"}, no: []string{"10.55.0.1", "10.0.0.10"}},
		{list: "1*.0.0.1", yes: []string{"1.0.0.1", "10.0.0.1", "199.0.0.1"}, no: []string{"2.0.0.1"}},
		{list: "10.0.0.0/8", yes: []string{"10.255.1.2", "::ffff:10.1.1.1"}, no: []string{"11.0.0.0", "::a00:1"}},
		{list: "10.1.2.3/8", yes: []string{"10.9.9.9"}},
		{list: "::1", yes: []string{"::1", "0:0:0:0:0:0:0:1"}, no: []string{"127.0.0.1", "::2"}},
		{list: "::1/128", yes: []string{"::1"}, no: []string{"::2"}},
		{list: "2001:db8::/32", yes: []string{"2001:db8:1::5", "2001:DB8::1"}, no: []string{"2001:db9::1", "32.1.13.184"}},
		{list: "fe80::*", yes: []string{"fe80::1", "fe80::abcd:1", "fe80::1%eth0"}, no: []string{"fe81::1"}},
		{list: "::ffff:1.2.3.4", yes: []string{"1.2.3.4", "::ffff:1.2.3.4"}, no: []string{"1.2.3.5"}},
		{list: "::ffff:0:0/96", yes: []string{"8.8.8.8", "::ffff:8.8.8.8"}, no: []string{"::8.8.8.8", "::1"}},
		{list: "::ffff:10.0.0.0/104", yes: []string{"10.1.2.3"}, no: []string{"11.1.2.3"}},
		{list: "::/0", yes: []string{"::1", "1.2.3.4"}},
		{list: "0.0.0.0/0", yes: []string{"1.2.3.4", "::ffff:1.2.3.4"}, no: []string{"::1"}},
		{list: "localhost", yes: []string{"127.0.0.1", "127.5.5.5", "::1", "::ffff:127.0.0.1"}, no: []string{"10.0.0.1", "::2"}},
		{list: " 10.0.0.1 ,, 10.0.0.2 ,", yes: []string{"10.0.0.1", "10.0.0.2"}, no: []string{"10.0.0.3"}},
		{list: "FE80::AB*", yes: []string{"fe80::ab", "fe80::abcd"}, no: []string{"fe80::ac"}},
	}
	for _, tt := range tests {
		l, err := Parse(tt.list)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.list, err)
			continue
		}
		for _, s := range tt.yes {
			if !l.Match(netip.MustParseAddr(s)) {
				t.Errorf("Parse(%q).Match(%s) = false, want true", tt.list, s)
			}
		}
		for _, s := range tt.no {
			if l.Match(netip.MustParseAddr(s)) {
				t.Errorf("Parse(%q).Match(%s) = true, want false", tt.list, s)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list  string
		index int
		entry string
		want  error
	}{
		{"example.com", 0, "example.com", ErrHostName},
		{"10.0.0.1, my-host", 1, "my-host", ErrHostName},
		{"*.example.com", 0, "*.example.com", ErrHostName},
		{"10.0.0.256", 0, "10.0.0.256", ErrMalformed},
		{"1.2.3", 0, "1.2.3", ErrMalformed},
		{"10.0.0.0/33", 0, "10.0.0.0/33", ErrMalformed},
		{"10.0.0.0/", 0, "10.0.0.0/", ErrMalformed},
		{"fe80::1%eth0", 0, "fe80::1%eth0", ErrMalformed},
		{"fe80::1%eth0/64", 0, "fe80::1%eth0/64", ErrMalformed},
		{"[::1]", 0, "[::1]", ErrMalformed},
		{"1.2.3.4-1.2.3.9", 0, "1.2.3.4-1.2.3.9", ErrMalformed},
		{"192.168.1.?", 0, "192.168.1.?", nil},
		{"192.168.?", 0, "192.168.?", ErrMalformed},
		{"192.168.300.*", 0, "192.168.300.*", ErrMalformed},
		{"192.168.01.*", 0, "192.168.01.*", ErrMalformed},
		{"1.2.3.4.*", 0, "1.2.3.4.*", ErrMalformed},
		{"1..*", 0, "1..*", ErrMalformed},
		{"ab.*", 0, "ab.*", ErrMalformed},
		{"10.0.0.*/8", 0, "10.0.0.*/8", ErrMalformed},
		{"::ffff:*", 0, "::ffff:*", ErrMalformed},
		{"fe80:0000::*", 0, "fe80:0000::*", ErrMalformed},
		{"fe80::1::*", 0, "fe80::1::*", ErrMalformed},
		{"12345::*", 0, "12345::*", ErrMalformed},
		{"1:2:3:4:5:6:7:8:9:*", 0, "1:2:3:4:5:6:7:8:9:*", ErrMalformed},
		{"::1, , bad entry", 2, "bad entry", ErrMalformed},
	}
	for _, tt := range tests {
		_, err := Parse(tt.list)
		if tt.want == nil {
			if err != nil {
				t.Errorf("Parse(%q): unexpected %v", tt.list, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v, want errors.Is %v", tt.list, err, tt.want)
			continue
		}
		var ee *EntryError
		if !errors.As(err, &ee) {
			t.Errorf("Parse(%q): %T is not *EntryError", tt.list, err)
			continue
		}
		if ee.Index != tt.index || ee.Entry != tt.entry || ee.Reason == "" {
			t.Errorf("Parse(%q): EntryError %+v, want index %d entry %q", tt.list, *ee, tt.index, tt.entry)
		}
	}
}

func TestListString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{" 10.0.0.1 , ::FFFF:1.2.3.4,10.1.2.3/8 ,FE80::*", "10.0.0.1,1.2.3.4,10.0.0.0/8,fe80::*"},
		{"localhost", "127.0.0.0/8,::1"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
	}
	for _, tt := range tests {
		l, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got := l.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNilAndZeroList(t *testing.T) {
	t.Parallel()
	a := netip.MustParseAddr("1.2.3.4")
	var nilList *List
	if nilList.Match(a) || nilList.Len() != 0 || nilList.String() != "" {
		t.Error("nil List matched or is not empty")
	}
	var zero List
	if zero.Match(a) || zero.Len() != 0 {
		t.Error("zero List matched or is not empty")
	}
	all, _ := Parse("*")
	if all.Match(netip.Addr{}) {
		t.Error("an invalid address matched *")
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	l, err := Parse("10.0.0.0/8, 192.168.*.1?, fe80::*")
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr("::ffff:192.168.5.17")
	if allocs := testing.AllocsPerRun(100, func() { l.Match(a) }); allocs != 0 {
		t.Errorf("Match allocates %v times", allocs)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"*", "", "192.168.1.*", "10.0.0.0/8, ::1/128", "localhost", "::ffff:1.2.3.4",
		"fe80::*", "10.?.0.1", "example.com", "1.2.3.4/33", "fe80::1%eth0", " , ,1.1.1.1",
		"2001:db8::/32,*.*.*.*", "1*2*3", "::ffff:0:0/96",
	} {
		f.Add(s, "10.1.2.3")
	}
	f.Add("::*", "2001:db8::1")
	f.Fuzz(func(t *testing.T, list, addr string) {
		l, err := Parse(list)
		if err != nil {
			var ee *EntryError
			if !errors.As(err, &ee) || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrHostName)) {
				t.Fatalf("Parse(%q): error %v is not an EntryError with a sentinel", list, err)
			}
			return
		}
		// The canonical form parses to the same list.
		l2, err := Parse(l.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", list, l.String(), err)
		}
		if l2.String() != l.String() {
			t.Fatalf("canonical form not stable: %q -> %q", l.String(), l2.String())
		}
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return
		}
		m := l.Match(a)
		if m2 := l2.Match(a); m2 != m {
			t.Fatalf("%q and its canonical form %q disagree on %s", list, l.String(), a)
		}
		// A client and its IPv4-mapped form are the same client.
		if a.Is4() && l.Match(netip.AddrFrom16(a.As16())) != m {
			t.Fatalf("%q: %s and its IPv4-mapped form disagree", list, a)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	l, err := Parse("10.0.0.0/8, 172.16.0.0/12, 192.168.*.1?, fe80::*, 2001:db8::/32")
	if err != nil {
		b.Fatal(err)
	}
	a := netip.MustParseAddr("::ffff:203.0.113.9") // matches nothing: every entry is tried
	b.ReportAllocs()
	for b.Loop() {
		l.Match(a)
	}
}
