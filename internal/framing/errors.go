package framing

import (
	"errors"
	"fmt"
)

// ErrInvalidSetting is matched (with errors.Is) by every error a setter
// returns for a value it does not accept.
var ErrInvalidSetting = errors.New("framing: invalid setting")

// SettingError reports a length setting outside its accepted range.
// It unwraps to ErrInvalidSetting.
type SettingError struct {
	Setting string // "MaxLineLength" or "RecordLength", as IPWorks names them
	Value   int    // the rejected value
	Min     int    // smallest accepted value
	Max     int    // largest accepted value
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("framing: %s %d is out of range: it must be between %d and %d",
		e.Setting, e.Value, e.Min, e.Max)
}

// Unwrap returns ErrInvalidSetting.
func (e *SettingError) Unwrap() error { return ErrInvalidSetting }
