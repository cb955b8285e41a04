package progtest_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readme is the repository's README, seen from this package's directory.
const readme = "../README.md"

// TestREADMETranscripts checks that every transcript the README shows is
// exactly the golden file it names. The lessons' tests check that the
// programs print their golden files, so together they keep the README equal
// to what the programs really print: change a log line without changing the
// README, and a test fails.
func TestREADMETranscripts(t *testing.T) {
	doc, err := os.ReadFile(readme)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s does not exist: the README shows the lessons' transcripts, and this test checks them", readme)
	}
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseTranscripts(string(doc))
	if err != nil {
		t.Fatalf("%s: %v", readme, err)
	}
	if len(blocks) == 0 {
		// Without blocks this test would check nothing and pass: that is
		// surely a README whose markers were lost.
		t.Fatalf("%s shows no marked transcripts: put <!-- transcript: LESSON/testdata/NAME.txt --> on the line above each fenced block of program output", readme)
	}
	for _, block := range blocks {
		t.Run(block.path, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(block.path)))
			if err != nil {
				t.Fatalf("%s line %d shows the transcript %s, which cannot be read: %v", readme, block.line, block.path, err)
			}
			// A block always ends in a newline; a golden file may not.
			shown := strings.TrimSuffix(block.text, "\n")
			want := strings.TrimSuffix(string(golden), "\n")
			if shown != want {
				t.Errorf("%s line %d differs from %s, what the program prints: %s\nmake the README's block show exactly:\n%s",
					readme, block.line, block.path, firstDifference(shown, want), golden)
			}
		})
	}
}

// firstDifference describes the first line where shown and want differ.
func firstDifference(shown, want string) string {
	s, w := strings.Split(shown, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(s), len(w)); i++ {
		switch {
		case i >= len(s):
			return fmt.Sprintf("line %d of the transcript, %q, is missing from the README", i+1, w[i])
		case i >= len(w):
			return fmt.Sprintf("the README shows an extra line %d, %q", i+1, s[i])
		case s[i] != w[i]:
			return fmt.Sprintf("line %d of the transcript is %q, the README shows %q", i+1, w[i], s[i])
		}
	}
	return "they differ"
}
