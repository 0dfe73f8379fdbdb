package framing

import (
	"bytes"
	"errors"
	"testing"
)

func TestZeroValueSettings(t *testing.T) {
	t.Parallel()
	var f Framer
	if f.Mode() != ModeRaw || f.EOL() != nil || f.SingleLineMode() || f.RecordLength() != 0 {
		t.Errorf("zero Framer: mode %v, EOL %q, single %v, record %d", f.Mode(), f.EOL(), f.SingleLineMode(), f.RecordLength())
	}
	if f.MaxLineLength() != DefaultMaxLineLength {
		t.Errorf("MaxLineLength = %d, want %d", f.MaxLineLength(), DefaultMaxLineLength)
	}
}

func TestModePrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		eol    string
		single bool
		record int
		want   Mode
	}{
		{name: "nothing", want: ModeRaw},
		{name: "eol", eol: "\n", want: ModeEOL},
		{name: "single ignores eol", eol: "\n", single: true, want: ModeSingleLine},
		{name: "record wins", eol: "\n", single: true, record: 5, want: ModeRecord},
		{name: "record over eol", eol: "\n", record: 5, want: ModeRecord},
	}
	for _, tt := range tests {
		var f Framer
		f.SetEOL([]byte(tt.eol))
		f.SetSingleLineMode(tt.single)
		if err := f.SetRecordLength(tt.record); err != nil {
			t.Fatal(err)
		}
		if got := f.Mode(); got != tt.want {
			t.Errorf("%s: Mode = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestModeString(t *testing.T) {
	t.Parallel()
	for m, want := range map[Mode]string{ModeRaw: "raw", ModeEOL: "eol", ModeSingleLine: "single-line", ModeRecord: "record", 9: "Mode(9)"} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", m, got, want)
		}
	}
}

func TestSetEOLCopies(t *testing.T) {
	t.Parallel()
	var f Framer
	eol := []byte("\r\x00\n")
	f.SetEOL(eol)
	eol[0] = 'X'
	got := f.EOL()
	if !bytes.Equal(got, []byte("\r\x00\n")) {
		t.Fatalf("EOL = %q after caller modified its slice", got)
	}
	got[0] = 'Y'
	if !bytes.Equal(f.EOL(), []byte("\r\x00\n")) {
		t.Fatalf("EOL() returned the internal slice")
	}
	f.SetEOL(nil)
	if f.EOL() != nil || f.Mode() != ModeRaw {
		t.Errorf("SetEOL(nil): EOL %q, mode %v", f.EOL(), f.Mode())
	}
}

func TestLengthSettingsValidated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		set     func(*Framer, int) error
		get     func(*Framer) int
		value   int
		wantErr bool
	}{
		{"max line below minimum", (*Framer).SetMaxLineLength, (*Framer).MaxLineLength, 255, true},
		{"max line zero", (*Framer).SetMaxLineLength, (*Framer).MaxLineLength, 0, true},
		{"max line minimum", (*Framer).SetMaxLineLength, (*Framer).MaxLineLength, 256, false},
		{"max line limit", (*Framer).SetMaxLineLength, (*Framer).MaxLineLength, LengthLimit, false},
		{"max line above limit", (*Framer).SetMaxLineLength, (*Framer).MaxLineLength, LengthLimit + 1, true},
		{"record negative", (*Framer).SetRecordLength, (*Framer).RecordLength, -1, true},
		{"record zero", (*Framer).SetRecordLength, (*Framer).RecordLength, 0, false},
		{"record limit", (*Framer).SetRecordLength, (*Framer).RecordLength, LengthLimit, false},
		{"record above limit", (*Framer).SetRecordLength, (*Framer).RecordLength, LengthLimit + 1, true},
	}
	for _, tt := range tests {
		var f Framer
		before := tt.get(&f)
		err := tt.set(&f, tt.value)
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidSetting) {
				t.Errorf("%s: err = %v, want ErrInvalidSetting", tt.name, err)
			}
			if got := tt.get(&f); got != before {
				t.Errorf("%s: rejected value changed the setting to %d", tt.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", tt.name, err)
		}
		if got := tt.get(&f); got != tt.value {
			t.Errorf("%s: got %d after setting %d", tt.name, got, tt.value)
		}
	}
}
