package server

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The code pages the standard library can do are built in; the others
// need package server/codepage, which the error names.
func TestCodePageBuiltIn(t *testing.T) {
	s, err := New(Options{CodePage: 28591})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := s.EncodeText("café")
	if err != nil || string(b) != "caf\xe9" {
		t.Fatalf("EncodeText = %q, %v", b, err)
	}
	if _, err := s.EncodeText("€"); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("unencodable text: %v", err)
	}
	for _, id := range []int{1200, 1201, 12000, 12001, 65001} {
		if _, err := s.Config("CodePage=" + strconv.Itoa(id)); err != nil {
			t.Errorf("code page %d: %v", id, err)
		}
	}
	_, err = s.Config("CodePage=932")
	if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), `import _ "github.com/tlskit/tlskit/server/codepage"`) {
		t.Fatalf("CodePage=932 without server/codepage: %v", err)
	}
	if _, err := New(Options{CodePage: 1252}); err == nil || !strings.Contains(err.Error(), "server/codepage") {
		t.Fatalf("Options.CodePage 1252 without server/codepage: %v", err)
	}
}
