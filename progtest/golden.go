package progtest

import (
	"os"
	"strings"
	"testing"
)

// Compare fails the test unless got, joined into lines, is exactly the
// content of the golden file at path. Golden files are the transcripts the
// README shows, so this is what keeps the docs honest.
func Compare(t testing.TB, path string, got []string) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gotText := strings.Join(got, "\n")
	if len(got) > 0 {
		gotText += "\n"
	}
	if gotText != string(want) {
		t.Errorf("output differs from %s\n--- got:\n%s--- want:\n%s", path, gotText, want)
	}
}

// Replace returns lines with every old replaced by new: for instance the free
// port a test's server got, replaced by the default address a golden
// transcript shows.
func Replace(lines []string, old, new string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.ReplaceAll(l, old, new)
	}
	return out
}
