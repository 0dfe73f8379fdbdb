package testpeer

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"time"
)

// Drip writes data to c one byte every interval, as a slowloris client
// does, until the peer closes the connection or limit passes. It reports
// how long after the call the peer closed it, and whether it did within
// limit. Drip closes c before it returns.
func Drip(c net.Conn, data []byte, interval, limit time.Duration) (time.Duration, bool) {
	began := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		// Whatever the peer sends (an error response, an alert) is read
		// until it closes: a reset or an EOF.
		_, _ = io.Copy(io.Discard, c)
		closed <- time.Since(began)
	}()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := range data {
			if _, err := c.Write(data[i : i+1]); err != nil {
				return
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case d := <-closed:
		c.Close()
		return d, true
	case <-t.C:
		c.Close()
		<-closed
		return 0, false
	}
}

// ClientHello returns the first TLS record a crypto/tls client sends for
// serverName: its ClientHello.
func ClientHello(serverName string) []byte {
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = tls.Client(a, &tls.Config{ServerName: serverName, InsecureSkipVerify: true}).Handshake()
	}()
	head := make([]byte, 5)
	if _, err := io.ReadFull(b, head); err != nil {
		panic(err)
	}
	body := make([]byte, int(head[3])<<8|int(head[4]))
	if _, err := io.ReadFull(b, body); err != nil {
		panic(err)
	}
	b.Close()
	a.Close()
	<-done
	return append(head, body...)
}
