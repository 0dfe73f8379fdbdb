package main

import "github.com/spf13/cobra"

// newRootCmd builds the command tree. Each subcommand lives in its own file.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "tlskit",
		Short:         "Event-driven TCP, TLS and WebSocket toolkit",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newConnectCmd(), newBenchCmd(), newCertCmd(), newVersionCmd())
	return root
}
