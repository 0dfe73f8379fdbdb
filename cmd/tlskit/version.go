package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the module version, the VCS revision and the Go version tlskit was built with",
		Long: `Print the version of the tlskit module this binary was built from, the
VCS revision and time when it was built from a checkout (with "+dirty" when
the checkout had uncommitted changes), and the Go version.

A binary from "go install github.com/tlskit/tlskit/cmd/tlskit@v0.1.0" says
v0.1.0; one built inside a checkout says (devel) or a pseudo-version
(v0.0.0-TIME-REVISION), with the revision.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("this binary carries no build information")
			}
			writeVersion(cmd.OutOrStdout(), bi)
			return nil
		},
	}
}

// writeVersion prints bi as "tlskit VERSION" followed by the revision,
// its time and the Go version, one "name: value" line each.
func writeVersion(w io.Writer, bi *debug.BuildInfo) {
	version := bi.Main.Version
	if version == "" {
		version = "(devel)" // go run and go test leave it empty
	}
	fmt.Fprintf(w, "tlskit %s\n", version)
	var rev, when string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if dirty {
			rev += "+dirty"
		}
		fmt.Fprintf(w, "revision: %s\n", rev)
	}
	if when != "" {
		fmt.Fprintf(w, "time: %s\n", when)
	}
	if bi.Main.Path != "" {
		fmt.Fprintf(w, "module: %s\n", bi.Main.Path)
	}
	fmt.Fprintf(w, "go: %s\n", strings.TrimSpace(bi.GoVersion))
}
