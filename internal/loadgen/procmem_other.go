//go:build !linux

package loadgen

import "errors"

func readProcMem(pid int) (rss, peak int64, err error) {
	return 0, 0, errors.New("reading a server's memory (ServerPID) is only supported on Linux")
}
