package rooms

import (
	"errors"
	"strconv"
)

// MaxNameLength bounds a room's name: it becomes part of a NATS subject and
// of every event, so it must stay short.
const MaxNameLength = 64

// ValidName reports whether name may name a room: 1 to 64 ASCII letters,
// digits, '-' and '_'. Nothing else, so a name can never smuggle a '.', '*'
// or '>' into the NATS subject it becomes (rooms.NAME), nor a space or a
// control character into a log line.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > MaxNameLength {
		return false
	}
	for _, c := range []byte(name) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// ParseSince reads the since parameter of a request's URL, given as all its
// values: none means a new client (live events only), one number means
// "replay what came after this seq"; anything else is an error.
func ParseSince(values []string) (since uint64, resume bool, err error) {
	switch len(values) {
	case 0:
		return 0, false, nil
	case 1:
		since, err = strconv.ParseUint(values[0], 10, 64)
		if err != nil {
			return 0, false, errors.New("since must be a sequence number (0 or more)")
		}
		return since, true, nil
	default:
		return 0, false, errors.New("since given more than once")
	}
}
