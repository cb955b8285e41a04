package chat

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests if a client's pump outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
