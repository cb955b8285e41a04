package site_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests if any goroutine outlives them: every client's
// pumps must end when it leaves, and the room's when it closes.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
