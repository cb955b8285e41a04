package cluster

import (
	"io"
	"log"
	"testing"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startNATS starts an embedded NATS server on a free port for one test.
func startNATS(t *testing.T) *Embedded {
	t.Helper()
	return startNATSAt(t, 0)
}

// startNATSAt starts one on a given port, for a test that restarts it there.
func startNATSAt(t *testing.T, port int) *Embedded {
	t.Helper()
	e, err := StartEmbedded("127.0.0.1", port, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// dialTest connects the way instances do.
func dialTest(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := connect(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func discard() *log.Logger { return log.New(io.Discard, "", 0) }
