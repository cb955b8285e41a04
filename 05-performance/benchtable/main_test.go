package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The table shows each server's figure, the median of repeated runs, a dash
// where a server did not run, and lesson 5 over Bun.
func TestTable(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"bun-fanout100.json":       `{"deliveries_per_second":500000,"lost":0}`,
		"lesson5-fanout100.json":   `{"deliveries_per_second":600000,"lost":0}`,
		"lesson5-idle1000-1.json":  `{"server_bytes_per_connection":9216}`,
		"lesson5-idle1000-2.json":  `{"server_bytes_per_connection":5120}`,
		"lesson5-idle1000-3.json":  `{"server_bytes_per_connection":7168}`,
		"lesson2-fanout1000.json":  ``, // a run that printed nothing
		"node-many10.json.partial": `{}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := run([]string{dir}, &out); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	for _, want := range []string{
		"| deliveries per second | – | 500000 | – | 600000 | 1.20 |",
		"| server memory per connection (KB) | – | – | – | 7.0 | – |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table has no row %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "1000 receivers") {
		t.Errorf("a scenario no server finished has a section:\n%s", table)
	}
}
