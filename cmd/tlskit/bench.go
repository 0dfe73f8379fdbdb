package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlskit/tlskit/internal/loadgen"
)

type benchFlags struct {
	o         loadgen.Options
	insecure  bool
	caFile    string
	jsonFile  string
	chartFile string
}

func newBenchCmd() *cobra.Command {
	f := &benchFlags{}
	cmd := &cobra.Command{
		Use:   "bench URL",
		Short: "Load-test an echo server over tcp, tls, ws or wss",
		Long: `Opens connections to an echo server, sends messages and checks every echo:
each message carries a sequence number and a checksum, so a server that drops,
reorders or corrupts data is reported, not rewarded. Prints a live progress line
and ends with a table: connections, messages/s, MB/s, latency percentiles,
handshakes/s and errors by kind. The exit status is 1 when any error occurred.`,
		Example: `  tlskit bench tcp://127.0.0.1:9000 --conns 100 --duration 10s
  tlskit bench wss://127.0.0.1:8443/echo --insecure --size 1024 --rate 100
  tlskit bench tls://127.0.0.1:9443 --handshakes --conns 4 --ca ca.pem
  tlskit bench ws://127.0.0.1:8080/ --deflate --size 1024
  tlskit bench ws://127.0.0.1:8080/ --conns 20000 --source-ips 4 --json run.json --chart run.png`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.o.URL = args[0]
			return f.run(cmd)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.o.Conns, "conns", 1, "connections (with --handshakes: parallel connect loops)")
	fl.IntVar(&f.o.Size, "size", 64, "message size in bytes (at least 20: sequence number, time, checksum)")
	fl.Float64Var(&f.o.Rate, "rate", 0, "messages per second per connection; 0: one in flight, next on echo")
	fl.DurationVar(&f.o.Duration, "duration", 10*time.Second, "measured time")
	fl.DurationVar(&f.o.Warmup, "warmup", 0, "time before the measurement, excluded from the results")
	fl.BoolVar(&f.o.Handshakes, "handshakes", false, "measure connect+handshake+close per second instead of messages")
	fl.BoolVar(&f.o.Deflate, "deflate", false, "ws/wss: offer permessage-deflate (no context takeover); messages are sent and checked compressed")
	fl.IntVar(&f.o.SourceIPs, "source-ips", 0, "spread connections over 127.0.0.1..127.0.0.N (more local ports)")
	fl.DurationVar(&f.o.Timeout, "timeout", 5*time.Second, "limit for a connect with its handshakes, and for each reply")
	fl.IntVar(&f.o.ServerPID, "pid", 0, "process id of a local server whose memory (RSS, peak) to report (Linux)")
	fl.BoolVar(&f.insecure, "insecure", false, "tls/wss: do not verify the server certificate (self-signed test servers)")
	fl.StringVar(&f.caFile, "ca", "", "tls/wss: PEM file of the CA certificates to trust instead of the system's")
	fl.StringVar(&f.jsonFile, "json", "", "write the full result as JSON to this file")
	fl.StringVar(&f.chartFile, "chart", "", "write a PNG chart (throughput over time, latency distribution) to this file")
	return cmd
}

func (f *benchFlags) tlsConfig() (*tls.Config, error) {
	secure := strings.HasPrefix(f.o.URL, "tls://") || strings.HasPrefix(f.o.URL, "wss://")
	switch {
	case f.insecure && f.caFile != "":
		return nil, errors.New("--insecure and --ca conflict: --ca verifies the server, --insecure does not")
	case !secure && (f.insecure || f.caFile != ""):
		return nil, errors.New("--insecure and --ca apply only to tls:// and wss:// URLs")
	case f.insecure:
		return &tls.Config{InsecureSkipVerify: true}, nil
	case f.caFile != "":
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate found (convert it with `tlskit cert convert`)", f.caFile)
		}
		return &tls.Config{RootCAs: pool}, nil
	}
	return nil, nil
}

func (f *benchFlags) run(cmd *cobra.Command) error {
	cfg, err := f.tlsConfig()
	if err != nil {
		return err
	}
	f.o.TLSConfig = cfg
	out, status := cmd.OutOrStdout(), cmd.ErrOrStderr()
	live := isTerminal(status)
	f.o.Progress = func(s loadgen.Snapshot) { printProgress(status, s, f.o.Handshakes, live) }

	ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(status, "bench %s: %s\n", f.o.URL, describe(f.o))
	res, err := loadgen.Run(ctx, f.o)
	if err != nil {
		return err
	}
	if live {
		fmt.Fprint(status, "\r\033[K")
	}
	if err := res.WriteTable(out); err != nil {
		return err
	}
	if err := f.writeFiles(out, res); err != nil {
		return err
	}
	switch {
	case res.Interrupted:
		return errors.New("interrupted: the results above are partial")
	case res.ConnsOpened == 0:
		return fmt.Errorf("no connection could be opened to %s", f.o.URL)
	case res.ErrorCount() > 0:
		return fmt.Errorf("%d errors during the run (see the table)", res.ErrorCount())
	}
	return nil
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func (f *benchFlags) writeFiles(out io.Writer, res *loadgen.Result) error {
	if f.jsonFile != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.jsonFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", f.jsonFile)
	}
	if f.chartFile != "" {
		w, err := os.Create(f.chartFile)
		if err != nil {
			return err
		}
		err = res.WriteChart(w)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("--chart %s: %w", f.chartFile, err)
		}
		fmt.Fprintf(out, "wrote %s\n", f.chartFile)
	}
	return nil
}

func describe(o loadgen.Options) string {
	if o.Handshakes {
		return fmt.Sprintf("%d connect/handshake/close loops for %s after %s warmup", o.Conns, o.Duration, o.Warmup)
	}
	pace := "one message in flight per connection"
	if o.Rate > 0 {
		pace = fmt.Sprintf("%g msg/s per connection", o.Rate)
	}
	if o.Deflate {
		pace += ", permessage-deflate offered"
	}
	return fmt.Sprintf("%d connections, %d-byte messages, %s, %s after %s warmup", o.Conns, o.Size, pace, o.Duration, o.Warmup)
}

// isTerminal reports whether w is a character device (a terminal), where
// the progress line is redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func printProgress(w io.Writer, s loadgen.Snapshot, handshakes, live bool) {
	var line string
	if handshakes {
		line = fmt.Sprintf("%6.1fs %-9s %8.0f handshakes/s  %d done  errors %d",
			s.Elapsed.Seconds(), s.Phase, s.HandshakesPerSec, s.Handshakes, s.Errors)
	} else {
		line = fmt.Sprintf("%6.1fs %-9s %8.0f msg/s  %d open  %d echoed  errors %d",
			s.Elapsed.Seconds(), s.Phase, s.MsgsPerSec, s.Open, s.Received, s.Errors)
	}
	if live {
		fmt.Fprint(w, "\r\033[K"+line)
	} else {
		fmt.Fprintln(w, line)
	}
}
