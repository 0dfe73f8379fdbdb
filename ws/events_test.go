package ws

import "testing"

func TestLogLevelString(t *testing.T) {
	t.Parallel()
	for level, want := range map[LogLevel]string{LogNone: "None", LogInfo: "Info", LogVerbose: "Verbose", LogDebug: "Debug"} {
		if got := level.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", level, got, want)
		}
	}
}

func TestSendFormatOf(t *testing.T) {
	t.Parallel()
	for f, want := range map[DataFormat]SendFormat{FormatText: DataText, FormatBinary: DataBinary, FormatContinuation: DataAutomatic} {
		if got := SendFormatOf(f); got != want {
			t.Errorf("SendFormatOf(%v) = %d, want %d", f, got, want)
		}
	}
}
