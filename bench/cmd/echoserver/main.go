// Command echoserver runs one echo server of the comparison until SIGTERM
// or Ctrl-C:
//
//	echoserver -impl gorilla -addr 127.0.0.1:9000
//	echoserver -impl tlskit-ws-epoll -pprof 127.0.0.1:6060   # heap: /debug/pprof/heap
//	echoserver -list
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"github.com/tlskit/tlskit/bench/servers"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "echoserver:", err)
		os.Exit(1)
	}
}

func run() error {
	impl := flag.String("impl", "", "server to run (see -list)")
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	list := flag.Bool("list", false, "list the servers and their protocols")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address too (e.g. 127.0.0.1:6060), for heap profiles")
	flag.Parse()
	if *list {
		for _, s := range servers.All {
			fmt.Printf("%-20s %s\n", s.Name, s.Proto)
		}
		return nil
	}
	s, err := servers.Lookup(*impl)
	if err != nil {
		return err
	}
	var tc *tls.Config
	if s.Secure() {
		if tc, err = servers.TLSConfig(); err != nil {
			return err
		}
	}
	stop, err := s.Start(*addr, tc)
	if err != nil {
		return err
	}
	if *pprofAddr != "" {
		ln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			stop()
			return err
		}
		defer ln.Close()
		go http.Serve(ln, nil) // net/http/pprof registers on the default mux
	}
	fmt.Printf("%s (%s) listening on %s\n", s.Name, s.Proto, *addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return stop()
}
