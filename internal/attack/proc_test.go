//go:build attack && linux

package attack

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// The server's resources, read from /proc from outside the process.

// fds is the number of the server's open file descriptors.
func (s *server) fds() int {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid))
	if err != nil {
		return -1
	}
	return len(es)
}

// memory returns the server's resident set size and its peak (VmRSS and
// VmHWM), in bytes.
func (s *server) memory() (rss, peak int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return -1, -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return rss, peak
}

// Attackers connect from 127.0.0.2 and up; legitimate clients from
// 127.0.0.1, so that the server's sockets of each are told apart by the
// peer address.
const attackAddrs = 100

// attackAddr is the source address of attacker i.
func attackAddr(i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%attackAddrs))}
}

// isAttacker reports whether a peer address is an attacker's.
func isAttacker(a netip.Addr) bool {
	a = a.Unmap()
	b := a.As4()
	return a.Is4() && b[0] == 127 && (b[1] != 0 || b[2] != 0 || b[3] != 1)
}

// attackerSockets is the number of the server's sockets (open file
// descriptors) connected to an attacker's address.
func (s *server) attackerSockets() int {
	dir := fmt.Sprintf("/proc/%d/fd", s.pid)
	es, err := os.ReadDir(dir)
	if err != nil {
		return -1
	}
	inodes := make(map[string]bool)
	for _, e := range es {
		l, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		if ino, ok := strings.CutPrefix(l, "socket:["); ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	n := 0
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := readProc(file)
		if err != nil {
			continue
		}
		seen := make(map[string]bool)
		for line := range strings.Lines(string(b)) {
			fs := strings.Fields(line)
			if len(fs) < 10 || !inodes[fs[9]] || seen[fs[9]] {
				continue
			}
			seen[fs[9]] = true
			if a, ok := procAddr(fs[2]); ok && isAttacker(a) {
				n++
			}
		}
	}
	return n
}

// readProc reads a /proc table in reads as large as possible: the kernel
// walks a table afresh at each read, so that a table that changes in
// between can show a row twice or not at all.
func readProc(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 0, 4<<20)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF || n == 0 {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// procAddr parses the address of an "ADDR:PORT" of /proc/net/tcp{,6}: the
// address is hex, in 32-bit words of host (little-endian) order.
func procAddr(s string) (netip.Addr, bool) {
	h, _, _ := strings.Cut(s, ":")
	b, err := hex.DecodeString(h)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return netip.Addr{}, false
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	a, ok := netip.AddrFromSlice(b)
	return a, ok
}

// noAttackerSockets reports whether the server holds no attacker's
// socket, in three readings in a row (a reading of a table that changes
// may miss a row).
func (s *server) noAttackerSockets() bool {
	for i := range 3 {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if s.attackerSockets() != 0 {
			return false
		}
	}
	return true
}

// waitFor polls cond every interval until it holds or timeout passes, and
// reports how long it took and whether it held.
func waitFor(timeout, interval time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > timeout {
			return time.Since(start), false
		}
		time.Sleep(interval)
	}
}
