package auth

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest name, in characters, a reader may sign in with.
const MaxNameLength = 24

// CleanName trims name and checks that it is fit to be shown to everyone in
// the room: not empty, not too long, and only letters, digits, spaces and a
// few marks. No control characters or angle brackets: a name travels into
// every client's page and every log line.
func CleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errors.New("a name is needed")
	case !utf8.ValidString(name):
		return "", errors.New("the name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", fmt.Errorf("a name has at most %d characters", MaxNameLength)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -_.'", r) {
			return "", fmt.Errorf("a name may not contain %q", r)
		}
	}
	return name, nil
}
