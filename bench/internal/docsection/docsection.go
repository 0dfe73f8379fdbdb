// Package docsection lets several benchmark programs share one markdown
// file: each owns a generated section between two HTML comments and
// replaces only that, leaving the others and any hand-written text alone.
package docsection

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

func markers(name string) (begin, end string) {
	return "<!-- begin generated: " + name + " -->\n", "<!-- end generated: " + name + " -->\n"
}

// Replace returns doc with the section called name set to body: the old
// section's text is replaced, or the section is appended when doc has
// none. A section whose end marker is missing is an error, so that a
// damaged file is not truncated.
func Replace(doc, name, body string) (string, error) {
	begin, end := markers(name)
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	section := begin + body + end
	i := strings.Index(doc, begin)
	if i < 0 {
		if doc != "" && !strings.HasSuffix(doc, "\n\n") {
			doc = strings.TrimRight(doc, "\n") + "\n\n"
		}
		return doc + section, nil
	}
	j := strings.Index(doc[i:], end)
	if j < 0 {
		return "", fmt.Errorf("section %q has no end marker %q", name, strings.TrimSpace(end))
	}
	return doc[:i] + section + doc[i+j+len(end):], nil
}

// WriteFile replaces the section called name in the markdown file at
// path, creating the file when it does not exist.
func WriteFile(path, name, body string) error {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	doc, err := Replace(string(b), name, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
