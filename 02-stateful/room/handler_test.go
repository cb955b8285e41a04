package room

import (
	"slices"
	"testing"
)

func TestSplitOrigins(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ", nil},
		{"https://a.example", []string{"https://a.example"}},
		{"https://a.example, https://b.example,", []string{"https://a.example", "https://b.example"}},
	}
	for _, tt := range tests {
		if got := SplitOrigins(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitOrigins(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
