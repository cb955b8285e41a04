package progtest_test

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's root, seen from this package's directory.
const root = ".."

// TestREADMETranscripts checks that every transcript a README shows is
// exactly the golden file it names. Every README.md in the repository is
// read (the root one and each lesson's), and a marker's path is always
// relative to the repository's root, whichever README it is in:
//
//	<!-- transcript: 02-stateful/testdata/client.txt -->
//
// The lessons' tests check that the programs print their golden files, so
// together they keep the READMEs equal to what the programs really print:
// change a log line without changing the README that shows it, and a test
// fails.
func TestREADMETranscripts(t *testing.T) {
	readmes, err := findREADMEs(root)
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, readme := range readmes {
		doc, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(readme)))
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := parseTranscripts(string(doc))
		if err != nil {
			t.Fatalf("%s: %v", readme, err)
		}
		shown += len(blocks)
		for _, block := range blocks {
			t.Run(readme+"/"+block.path, func(t *testing.T) {
				checkBlock(t, readme, block)
				checkTested(t, readme, block)
			})
		}
	}
	if shown == 0 {
		// Without blocks this test would check nothing and pass: that is
		// surely a repository whose markers were lost.
		t.Fatalf("no README.md in the repository shows a marked transcript (read: %s): put <!-- transcript: LESSON/testdata/NAME.txt --> on the line above each fenced block of program output",
			strings.Join(readmes, ", "))
	}
}

// checkBlock compares one block of readme with the golden file it names.
func checkBlock(t *testing.T, readme string, block transcriptBlock) {
	t.Helper()
	golden, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(block.path)))
	if err != nil {
		t.Fatalf("%s line %d shows the transcript %s (a path from the repository's root), which cannot be read: %v", readme, block.line, block.path, err)
	}
	// A block always ends in a newline; a golden file may not.
	shown := strings.TrimSuffix(block.text, "\n")
	want := strings.TrimSuffix(string(golden), "\n")
	if shown != want {
		t.Errorf("%s line %d differs from %s, what the program prints: %s\nmake the README's block show exactly:\n%s",
			readme, block.line, block.path, firstDifference(shown, want), golden)
	}
}

// checkTested fails unless a test of the golden file's lesson compares a
// program's output with it: a README block equal to a golden file that no
// program is checked against would prove nothing.
func checkTested(t *testing.T, readme string, block transcriptBlock) {
	t.Helper()
	lesson, _, _ := strings.Cut(block.path, "/")
	name := "testdata/" + path.Base(block.path)
	found := false
	err := filepath.WalkDir(filepath.Join(root, lesson), func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		found = strings.Contains(string(src), name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Errorf("%s line %d shows %s, but no test in %s/ compares a program's output with it (progtest.Compare)",
			readme, block.line, block.path, lesson)
	}
}

// findREADMEs returns the path, from dir, of every README.md under dir,
// with slashes, in lexical order. Hidden directories (.git) and installed
// packages (node_modules) are not the project's documents and are skipped.
func findREADMEs(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && p != dir && (strings.HasPrefix(name, ".") || name == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && name == "README.md" {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("looking for README.md files: %w", err)
	}
	return found, nil
}

func TestFindREADMEs(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{
		"README.md",
		"01-simple/README.md",
		"01-simple/server/README.md",
		"01-simple/notes.md",
		".git/README.md",
		"node/node_modules/ws/README.md",
	} {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := findREADMEs(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"01-simple/README.md", "01-simple/server/README.md", "README.md"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("findREADMEs = %v, want %v", got, want)
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
