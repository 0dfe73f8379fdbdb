// Package settings is the one registry behind the Config methods of server,
// ws and tlsconf: the parser for "NAME", "NAME=VALUE" and "NAME[id]=VALUE",
// the value helpers (booleans, integers, durations in a unit), the Config
// error sentinels, and tables of named settings that each package declares
// for its own target type.
//
// Names are matched case-insensitively. A setting may be read-only (no
// Set) or unsupported (it exists in the products whose names Config
// speaks, but Go cannot honour it: Find reports it with ErrUnsupported and
// the advice it carries).
package settings

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The Config sentinels, declared once here and re-exported by server, ws and
// tlsconf (server.ErrUnknownSetting == settings.ErrUnknownSetting), so that
// errors.Is works with whichever package name the caller uses.
var (
	// ErrUnknownSetting: the name is not a setting here.
	ErrUnknownSetting = errors.New("unknown setting")
	// ErrInvalidValue: the value does not parse or is out of range, or the
	// setting string itself is malformed.
	ErrInvalidValue = errors.New("invalid setting value")
	// ErrUnsupported: the setting exists in the product but has no meaning
	// in Go or here; the error says what to use instead.
	ErrUnsupported = errors.New("unsupported setting")
	// ErrReadOnly: the setting can only be read.
	ErrReadOnly = errors.New("read-only setting")
)

// Request is one parsed Config string.
type Request struct {
	Name  string // as written, without spaces around it
	ID    int64  // the connection id in brackets, when HasID
	HasID bool
	Set   bool   // "NAME=VALUE": set; "NAME": get
	Value string // the value after '=', without spaces around it
}

// String returns the request in the form Parse takes.
func (r Request) String() string {
	s := r.Name
	if r.HasID {
		s += "[" + strconv.FormatInt(r.ID, 10) + "]"
	}
	if r.Set {
		s += "=" + r.Value
	}
	return s
}

// Parse splits a Config string: "NAME" reads, "NAME=VALUE" sets, and either
// may name a connection: "NAME[id]" and "NAME[id]=VALUE". The value is
// everything after the first '=' (it may contain '=' and brackets); spaces
// around the name, the id and the value are dropped. A malformed string (no
// name, an id that is not a decimal number, a '[' without its ']') is
// reported with ErrInvalidValue, or ErrUnknownSetting for an empty name.
func Parse(s string) (Request, error) {
	name, value, set := strings.Cut(s, "=")
	r := Request{Name: strings.TrimSpace(name), Set: set, Value: strings.TrimSpace(value)}
	if i := strings.IndexByte(r.Name, '['); i >= 0 {
		if !strings.HasSuffix(r.Name, "]") {
			return Request{}, fmt.Errorf("%w: %q: '[' without a closing ']' (use NAME[connectionId])", ErrInvalidValue, r.Name)
		}
		idText := strings.TrimSpace(r.Name[i+1 : len(r.Name)-1])
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return Request{}, fmt.Errorf("%w: %q: connection id %q is not a number", ErrInvalidValue, r.Name, idText)
		}
		r.Name, r.ID, r.HasID = strings.TrimSpace(r.Name[:i]), id, true
	}
	if r.Name == "" || strings.ContainsAny(r.Name, "[]") {
		return Request{}, fmt.Errorf("%w: %q", ErrUnknownSetting, strings.TrimSpace(name))
	}
	return r, nil
}

// Setting is one named setting of a target of type O (a server, a
// connection, a settings struct).
type Setting[O any] struct {
	// Name is the canonical spelling; lookups ignore case.
	Name string
	// Get returns the current value in the form Set accepts. Nil: the
	// setting cannot be read (only Unsupported settings).
	Get func(o O) string
	// Set parses and applies a value. Nil: read-only. An error made with
	// Bad is reported as ErrInvalidValue naming the setting and the value;
	// other errors are returned as they are.
	Set func(o O, v string) error
	// Unsupported, when not empty, marks a setting Go cannot honour: Find
	// reports it with ErrUnsupported and this text (what to use instead).
	Unsupported string
}

// Apply reads (r.Set false) or sets the setting on o.
func (st *Setting[O]) Apply(o O, r Request) (string, error) {
	if !r.Set {
		return st.Get(o), nil
	}
	if st.Set == nil {
		return "", fmt.Errorf("%w: %s", ErrReadOnly, st.Name)
	}
	err := st.Set(o, r.Value)
	var b badValue
	if errors.As(err, &b) {
		return "", fmt.Errorf("%w: %s=%s: %s", ErrInvalidValue, st.Name, quote(r.Value), string(b))
	}
	return "", err
}

// Table is a set of settings looked up by name. Build it once with
// NewTable; it is read-only afterwards and safe for concurrent use.
type Table[O any] struct {
	list  []Setting[O]
	index map[string]int // lower-case name -> list index
}

// NewTable indexes the settings. It panics on a duplicate name, which is a
// programming error in the table.
func NewTable[O any](list ...Setting[O]) *Table[O] {
	t := &Table[O]{list: list, index: make(map[string]int, len(list))}
	for i, st := range list {
		k := strings.ToLower(st.Name)
		if _, dup := t.index[k]; dup {
			panic("settings: duplicate setting " + st.Name)
		}
		if st.Get == nil && st.Unsupported == "" {
			panic("settings: setting " + st.Name + " has no Get")
		}
		t.index[k] = i
	}
	return t
}

// Lookup returns the setting called name (any case), supported or not.
func (t *Table[O]) Lookup(name string) (*Setting[O], bool) {
	i, ok := t.index[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, false
	}
	return &t.list[i], true
}

// Find returns the supported setting called name, or an error wrapping
// ErrUnknownSetting or, for an unsupported one, ErrUnsupported.
func (t *Table[O]) Find(name string) (*Setting[O], error) {
	st, ok := t.Lookup(name)
	switch {
	case !ok:
		return nil, Unknown(name)
	case st.Unsupported != "":
		return nil, fmt.Errorf("%w: %s: %s", ErrUnsupported, st.Name, st.Unsupported)
	}
	return st, nil
}

// Names returns the canonical names of the supported settings, in table
// order.
func (t *Table[O]) Names() []string {
	names := make([]string, 0, len(t.list))
	for _, st := range t.list {
		if st.Unsupported == "" {
			names = append(names, st.Name)
		}
	}
	return names
}

// Unknown returns the error for a name that is not a setting.
func Unknown(name string) error {
	return fmt.Errorf("%w: %q", ErrUnknownSetting, strings.TrimSpace(name))
}

// badValue is the reason a value is refused; Setting.Apply adds the
// setting's name and the value.
type badValue string

func (b badValue) Error() string { return string(b) }

// Bad returns the error a Set function reports for a value it refuses:
// Apply turns it into an ErrInvalidValue error naming the setting.
func Bad(format string, args ...any) error {
	return badValue(fmt.Sprintf(format, args...))
}

// Invalid returns an ErrInvalidValue error for a value of the named
// setting, for callers outside a Set function.
func Invalid(name, value, why string) error {
	return fmt.Errorf("%w: %s=%s: %s", ErrInvalidValue, name, quote(value), why)
}

// quote quotes a value for an error message, shortened.
func quote(v string) string {
	const max = 64
	if len(v) > max {
		v = v[:max] + "..."
	}
	return strconv.Quote(v)
}

// ParseBool parses True/False, Yes/No and 1/0, in any case.
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0":
		return false, nil
	}
	return false, Bad("not a boolean (True/False, Yes/No, 1/0)")
}

// FormatBool writes "True" or "False".
func FormatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// ParseInt parses a decimal integer within [lo, hi].
func ParseInt(v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case err != nil:
		return 0, Bad("not an integer")
	case n < lo && lo == 0:
		return 0, Bad("must not be negative")
	case n < lo || n > hi:
		return 0, Bad("out of range (%d to %d)", lo, hi)
	}
	return n, nil
}

// ParseDuration parses a non-negative whole number of unit (seconds,
// milliseconds) that fits in a time.Duration.
func ParseDuration(v string, unit time.Duration) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case err != nil:
		return 0, Bad("not an integer")
	case n < 0:
		return 0, Bad("must not be negative")
	case n > int64(math.MaxInt64/unit):
		return 0, Bad("too large (at most %d)", int64(math.MaxInt64/unit))
	}
	return time.Duration(n) * unit, nil
}

// FormatDuration writes d as a whole number of unit, rounded down.
func FormatDuration(d, unit time.Duration) string {
	return strconv.FormatInt(int64(d/unit), 10)
}
