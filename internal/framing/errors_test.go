package framing

import (
	"errors"
	"strings"
	"testing"
)

func TestSettingErrorIsInvalidSetting(t *testing.T) {
	t.Parallel()
	var f Framer
	err := f.SetMaxLineLength(100)
	if !errors.Is(err, ErrInvalidSetting) {
		t.Fatalf("SetMaxLineLength(100) = %v, want errors.Is ErrInvalidSetting", err)
	}
	var se *SettingError
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *SettingError", err)
	}
	if se.Setting != "MaxLineLength" || se.Value != 100 || se.Min != MinMaxLineLength || se.Max != LengthLimit {
		t.Errorf("SettingError = %+v", *se)
	}
	for _, want := range []string{"MaxLineLength", "100", "256"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err.Error(), want)
		}
	}
}
