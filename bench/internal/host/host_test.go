package host

import (
	"net"
	"os"
	"strconv"
	"testing"
)

func TestStatus(t *testing.T) {
	rss, err := Status(os.Getpid(), "VmRSS")
	if err != nil || rss <= 0 {
		t.Fatalf("VmRSS %d, %v", rss, err)
	}
	if _, err := Status(os.Getpid(), "NoSuchField"); err == nil {
		t.Fatal("missing field found")
	}
}

func TestOpenFiles(t *testing.T) {
	before, err := OpenFiles(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if after, err := OpenFiles(os.Getpid()); err != nil || after != before+1 {
		t.Fatalf("%d open files after opening one, %d before (%v)", after, before, err)
	}
}

func TestLoadAverage(t *testing.T) {
	if _, err := strconv.ParseFloat(LoadAverage(), 64); err != nil {
		t.Fatal(err)
	}
}

func TestFreeAddr(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("%s is not free: %v", addr, err)
	}
	ln.Close()
}
