package docsection

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplace(t *testing.T) {
	tests := []struct {
		name, doc, body, want string
	}{
		{name: "empty file", doc: "", body: "x",
			want: "<!-- begin generated: a -->\nx\n<!-- end generated: a -->\n"},
		{name: "appended after text", doc: "# T\n", body: "x\n",
			want: "# T\n\n<!-- begin generated: a -->\nx\n<!-- end generated: a -->\n"},
		{name: "replaced, text around kept",
			doc:  "head\n<!-- begin generated: a -->\nold\nold\n<!-- end generated: a -->\ntail\n",
			body: "new\n",
			want: "head\n<!-- begin generated: a -->\nnew\n<!-- end generated: a -->\ntail\n"},
		{name: "other section untouched",
			doc:  "<!-- begin generated: b -->\nb\n<!-- end generated: b -->\n",
			body: "a",
			want: "<!-- begin generated: b -->\nb\n<!-- end generated: b -->\n\n<!-- begin generated: a -->\na\n<!-- end generated: a -->\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Replace(tc.doc, "a", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestReplaceMissingEnd(t *testing.T) {
	if _, err := Replace("<!-- begin generated: a -->\nold\n", "a", "new"); err == nil || !strings.Contains(err.Error(), "end marker") {
		t.Fatalf("err %v, want a missing end marker", err)
	}
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	for _, body := range []string{"one", "two"} {
		if err := WriteFile(path, "s", body); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); strings.Contains(got, "one") || strings.Count(got, "two") != 1 {
		t.Fatalf("file %q", got)
	}
}
