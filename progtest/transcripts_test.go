package progtest_test

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// transcriptBlock is one block of the README that shows what a program
// prints, marked with the golden file it must equal:
//
//	<!-- transcript: 02-stateful/testdata/client.txt -->
//	```text
//	Starting up
//	```
type transcriptBlock struct {
	path string // the golden file, relative to the repository's root
	line int    // the marker's line in the README, for messages
	text string // the block's lines, each ending in "\n"
}

// transcriptMarker is the HTML comment (invisible on a rendered page) that
// marks a block. Indented by four spaces or more it would be inside an
// indented code block, an example rather than a marker, so at most three.
var transcriptMarker = regexp.MustCompile(`^ {0,3}<!--\s*transcript:\s*(\S+)\s*-->\s*$`)

// fenceOpen matches the line that opens a fenced code block: its indent, and
// three or more backticks or tildes.
var fenceOpen = regexp.MustCompile("^( {0,3})(`{3,}|~{3,})")

// parseTranscripts returns the marked blocks of a Markdown document, in
// order. Markers inside fenced code blocks are examples and are ignored. A
// marker must be followed (blank lines aside) by a fenced block, and must
// name a file inside the repository.
func parseTranscripts(doc string) ([]transcriptBlock, error) {
	lines := strings.Split(strings.ReplaceAll(doc, "\r\n", "\n"), "\n")
	var blocks []transcriptBlock
	for i := 0; i < len(lines); i++ {
		if fence := fenceOpen.FindStringSubmatch(lines[i]); fence != nil {
			_, end, err := fencedBlock(lines, i, fence)
			if err != nil {
				return nil, err
			}
			i = end
			continue
		}
		m := transcriptMarker.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		marker := i + 1 // line numbers count from 1
		file := m[1]
		if file != path.Clean(file) || path.IsAbs(file) || file == ".." || strings.HasPrefix(file, "../") {
			return nil, fmt.Errorf("line %d: transcript %q must be a clean path inside the repository, like 02-stateful/testdata/client.txt", marker, file)
		}
		i++
		for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		var fence []string
		if i < len(lines) {
			fence = fenceOpen.FindStringSubmatch(lines[i])
		}
		if fence == nil {
			return nil, fmt.Errorf("line %d: the transcript marker for %s is not followed by a fenced code block", marker, file)
		}
		text, end, err := fencedBlock(lines, i, fence)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, transcriptBlock{path: file, line: marker, text: text})
		i = end
	}
	return blocks, nil
}

// fencedBlock reads the fenced code block opened at lines[open] (fence is
// fenceOpen's match there) and returns its content and the index of its
// closing line. As in CommonMark, the fence's indent is removed from the
// content, and the block closes on a fence of the same character at least as
// long.
func fencedBlock(lines []string, open int, fence []string) (text string, end int, err error) {
	indent, marks := len(fence[1]), fence[2]
	closing := regexp.MustCompile(fmt.Sprintf(`^ {0,3}%s{%d,}\s*$`, regexp.QuoteMeta(marks[:1]), len(marks)))
	var b strings.Builder
	for i := open + 1; i < len(lines); i++ {
		if closing.MatchString(lines[i]) {
			return b.String(), i, nil
		}
		line := lines[i]
		for n := 0; n < indent && strings.HasPrefix(line, " "); n++ {
			line = line[1:]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return "", 0, fmt.Errorf("line %d: the code block opened here is never closed", open+1)
}
