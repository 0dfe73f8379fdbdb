package ws

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

// engineEnv names the environment variable that chooses the engine the
// package's tests run their servers on. TestMain runs every test with the
// default engine (epoll on Linux), then runs the test binary again with
// the portable one, so that each test runs on both engines.
const engineEnv = "TLSKIT_WS_TEST_ENGINE"

// testEngine is the engine startServer gives servers that name none.
var testEngine = os.Getenv(engineEnv)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	if code == 0 && testEngine == "" && runtime.GOOS == "linux" {
		code = rerun("portable")
	}
	os.Exit(code)
}

// rerun runs this test binary again, with the same flags, with the tests'
// servers on engine, and returns its exit status.
func rerun(engine string) int {
	fmt.Printf("=== the same tests with Engine %q\n", engine)
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), engineEnv+"="+engine)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return max(ee.ExitCode(), 1)
		}
		fmt.Fprintf(os.Stderr, "running the tests with Engine %q: %v\n", engine, err)
		return 1
	}
	return 0
}
