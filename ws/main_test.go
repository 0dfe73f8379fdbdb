package ws

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"go.uber.org/goleak"

	"github.com/tlskit/tlskit/internal/testpeer"
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
		code = testpeer.Rerun(engineEnv, "portable")
	}
	os.Exit(code)
}
