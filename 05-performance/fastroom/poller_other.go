//go:build !linux || plainreads

package fastroom

import (
	"errors"
	"syscall"
)

// Without epoll (another system, or built with -tags plainreads), every
// connection has a reader goroutine of its own (Client.readLoop): newPoller
// makes no poller, and the methods are never called.

type poller struct{}

func newPoller() (*poller, error) { return nil, nil }

func (*poller) add(*Client) error   { return errors.ErrUnsupported }
func (*poller) rearm(*Client) error { return errors.ErrUnsupported }
func (*poller) remove(*Client)      {}
func (*poller) resume(*Client)      {}
func (*poller) close()              {}

func readSome(syscall.RawConn, []byte) (int, error)  { return 0, errors.ErrUnsupported }
func writeSome(syscall.RawConn, []byte) (int, error) { return 0, errors.ErrUnsupported }
