package settings

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Request
		err  error
	}{
		{in: "TcpNoDelay", want: Request{Name: "TcpNoDelay"}},
		{in: " TcpNoDelay = True ", want: Request{Name: "TcpNoDelay", Set: true, Value: "True"}},
		{in: "Name=", want: Request{Name: "Name", Set: true}},
		{in: "A=b=c[1]", want: Request{Name: "A", Set: true, Value: "b=c[1]"}},
		{in: "SSLNegotiatedCipher[3]", want: Request{Name: "SSLNegotiatedCipher", ID: 3, HasID: true}},
		{in: "MessageLength[ 12 ]=5", want: Request{Name: "MessageLength", ID: 12, HasID: true, Set: true, Value: "5"}},
		{in: "", err: ErrUnknownSetting},
		{in: "=1", err: ErrUnknownSetting},
		{in: "[1]=2", err: ErrUnknownSetting},
		{in: "A]", err: ErrUnknownSetting},
		{in: "A[abc]", err: ErrInvalidValue},
		{in: "A[]", err: ErrInvalidValue},
		{in: "A[1", err: ErrInvalidValue},
		{in: "A[1][2]", err: ErrInvalidValue},
		{in: "A[99999999999999999999]", err: ErrInvalidValue},
	} {
		got, err := Parse(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Parse(%q) = %+v, %v; want %v", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

type target struct {
	n    int64
	flag bool
}

var table = NewTable(
	Setting[*target]{Name: "Number",
		Get: func(o *target) string { return FormatDuration(time.Duration(o.n), 1) },
		Set: func(o *target, v string) error {
			n, err := ParseInt(v, 0, 100)
			if err == nil {
				o.n = n
			}
			return err
		}},
	Setting[*target]{Name: "Flag",
		Get: func(o *target) string { return FormatBool(o.flag) },
		Set: func(o *target, v string) (err error) { o.flag, err = ParseBool(v); return err }},
	Setting[*target]{Name: "Version", Get: func(*target) string { return "1" }},
	Setting[*target]{Name: "Gone", Unsupported: "use Number instead"},
)

func config(o *target, s string) (string, error) {
	r, err := Parse(s)
	if err != nil {
		return "", err
	}
	st, err := table.Find(r.Name)
	if err != nil {
		return "", err
	}
	return st.Apply(o, r)
}

func TestTable(t *testing.T) {
	o := &target{}
	for _, tc := range []struct {
		in, want string
		err      error
		msg      string
	}{
		{in: "number=42"},
		{in: "NUMBER", want: "42"},
		{in: "Number=-1", err: ErrInvalidValue, msg: `Number="-1": must not be negative`},
		{in: "Number=101", err: ErrInvalidValue, msg: "out of range"},
		{in: "Number=x", err: ErrInvalidValue, msg: "not an integer"},
		{in: "Number", want: "42"}, // a refused value changes nothing
		{in: "Flag=yes"},
		{in: "Flag", want: "True"},
		{in: "Flag=maybe", err: ErrInvalidValue, msg: "not a boolean"},
		{in: "Version", want: "1"},
		{in: "Version=2", err: ErrReadOnly},
		{in: "Gone", err: ErrUnsupported, msg: "use Number instead"},
		{in: "Other=1", err: ErrUnknownSetting, msg: `"Other"`},
	} {
		got, err := config(o, tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%q: %v; want %v containing %q", tc.in, err, tc.err, tc.msg)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got := strings.Join(table.Names(), ","); got != "Number,Flag,Version" {
		t.Errorf("Names = %s", got)
	}
}

func TestNewTablePanicsOnDuplicate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a duplicate name")
		}
	}()
	get := func(int) string { return "" }
	NewTable(Setting[int]{Name: "A", Get: get}, Setting[int]{Name: "a", Get: get})
}

func TestDuration(t *testing.T) {
	if d, err := ParseDuration("1500", time.Millisecond); err != nil || d != 1500*time.Millisecond {
		t.Fatalf("ParseDuration = %v, %v", d, err)
	}
	if got := FormatDuration(1500*time.Millisecond, time.Second); got != "1" {
		t.Fatalf("FormatDuration = %s", got)
	}
	for _, v := range []string{"-1", "x", "9223372036854775807"} {
		if _, err := ParseDuration(v, time.Second); err == nil {
			t.Errorf("ParseDuration(%q) accepted", v)
		}
	}
}

// FuzzParse checks that Parse never panics, that what it accepts has a
// name without brackets and a trimmed value, and that String gives back a
// string that parses to the same request.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"TcpNoDelay", "A=B", "SSLNegotiatedCipher[3]", "MessageLength[12]=5", "A[1", "[1]", "A[-1]=x=y", " A [ 2 ] = v "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrUnknownSetting) {
				t.Fatalf("Parse(%q): error %v matches no sentinel", s, err)
			}
			return
		}
		if r.Name == "" || strings.ContainsAny(r.Name, "[]=") || r.Name != strings.TrimSpace(r.Name) || r.Value != strings.TrimSpace(r.Value) {
			t.Fatalf("Parse(%q) = %+v", s, r)
		}
		if !r.Set && r.Value != "" {
			t.Fatalf("Parse(%q) = %+v: a value without '='", s, r)
		}
		again, err := Parse(r.String())
		if err != nil || again != r {
			t.Fatalf("Parse(%q) = %+v; Parse(%q) = %+v, %v", s, r, r.String(), again, err)
		}
	})
}
