package progtest_test

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTranscripts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []transcriptBlock
	}{
		{
			name: "none",
			doc:  "# Title\n\nSome prose.\n",
		},
		{
			name: "one block",
			doc:  "Intro\n\n<!-- transcript: a/testdata/client.txt -->\n```text\nStarting up\nShutting down\n```\n",
			want: []transcriptBlock{{path: "a/testdata/client.txt", line: 3, text: "Starting up\nShutting down\n"}},
		},
		{
			name: "empty block",
			doc:  "<!-- transcript: a/client.txt -->\n```text\n```\n",
			want: []transcriptBlock{{path: "a/client.txt", line: 1, text: ""}},
		},
		{
			name: "blank line before the block, tildes, no info string",
			doc:  "<!--transcript:a.txt-->\n\n~~~\nx\n~~~\n",
			want: []transcriptBlock{{path: "a.txt", line: 1, text: "x\n"}},
		},
		{
			name: "two blocks, CRLF line ends",
			doc:  "<!-- transcript: a.txt -->\r\n```\r\none\r\n```\r\ntext\r\n<!-- transcript: b.txt -->\r\n```\r\ntwo\r\n```\r\n",
			want: []transcriptBlock{
				{path: "a.txt", line: 1, text: "one\n"},
				{path: "b.txt", line: 6, text: "two\n"},
			},
		},
		{
			name: "a marker inside a code block is an example",
			doc:  "````markdown\n<!-- transcript: example.txt -->\n```text\nx\n```\n````\n",
		},
		{
			name: "a marker in an indented code block is an example",
			doc:  "Like this:\n\n    <!-- transcript: example.txt -->\n",
		},
		{
			name: "a shorter fence does not close a longer one",
			doc:  "<!-- transcript: a.txt -->\n````\n```\n````\n",
			want: []transcriptBlock{{path: "a.txt", line: 1, text: "```\n"}},
		},
		{
			name: "an indented block loses its indent",
			doc:  "1. Run it:\n\n   <!-- transcript: a.txt -->\n   ```text\n   Starting up\n     indented\n   ```\n",
			want: []transcriptBlock{{path: "a.txt", line: 3, text: "Starting up\n  indented\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTranscripts(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseTranscriptsErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"no block after the marker", "<!-- transcript: a.txt -->\nprose\n", "line 1: the transcript marker for a.txt is not followed"},
		{"marker at the end", "text\n<!-- transcript: a.txt -->", "line 2: the transcript marker"},
		{"block never closed", "<!-- transcript: a.txt -->\n```\nx\n", "line 2: the code block opened here is never closed"},
		{"path outside the repository", "<!-- transcript: ../a.txt -->\n```\n```\n", "must be a clean path inside the repository"},
		{"absolute path", "<!-- transcript: /etc/a.txt -->\n```\n```\n", "must be a clean path"},
		{"unclean path", "<!-- transcript: a/../b.txt -->\n```\n```\n", "must be a clean path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTranscripts(tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFirstDifference(t *testing.T) {
	tests := []struct{ shown, want, says string }{
		{"a\nb", "a\nc", `line 2 of the transcript is "c", the README shows "b"`},
		{"a", "a\nb", `line 2 of the transcript, "b", is missing`},
		{"a\nb", "a", `extra line 2, "b"`},
	}
	for _, tt := range tests {
		if got := firstDifference(tt.shown, tt.want); !strings.Contains(got, tt.says) {
			t.Errorf("firstDifference(%q, %q) = %q, want it to say %q", tt.shown, tt.want, got, tt.says)
		}
	}
}
