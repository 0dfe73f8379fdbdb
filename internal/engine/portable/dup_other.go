//go:build !unix

package portable

import (
	"errors"
	"os"
)

// dupFile is not available here: WriteFile reports ErrUnsupported and the
// caller copies the file through Write.
func dupFile(*os.File) (*os.File, error) { return nil, errors.ErrUnsupported }
