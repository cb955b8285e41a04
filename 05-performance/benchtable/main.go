// Command benchtable builds scripts/bench.sh's table from the load
// generator's results: one JSON file per run, named SERVER-SCENARIO.json, or
// SERVER-SCENARIO-N.json for a scenario run several times (the table then
// shows the median). It prints a Markdown table with one column per server
// and, last, lesson 5's figure over Bun's.
//
//	benchtable artifacts/bench
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The servers, in the table's order: the file name's prefix and the heading.
var servers = []struct{ file, title string }{
	{"node", "Node ws"},
	{"bun", "Bun"},
	{"lesson2", "lesson 2"},
	{"lesson5", "lesson 5"},
}

// A figure is one row: a field of a scenario's JSON, scaled for reading.
type figure struct {
	title    string
	field    string
	scale    float64
	decimals int
}

// A section is a scenario and the figures shown for it.
type section struct {
	title    string
	scenario string
	figures  []figure
}

// per1024 turns bytes into KB, and KB into MB.
const per1024 = 1.0 / 1024

var broadcastFigures = []figure{
	{"deliveries per second", "deliveries_per_second", 1, 0},
	{"latency p50 (ms)", "latency_p50_ms", 1, 2},
	{"latency p99 (ms)", "latency_p99_ms", 1, 2},
	{"lost deliveries", "lost", 1, 0},
	{"server CPU time per delivery (µs)", "server_cpu_us_per_delivery", 1, 2},
	{"server peak RSS (MB)", "server_peak_rss_kb", per1024, 1},
}

var sections = []section{
	{"100 receivers, 1 sender", "fanout100", broadcastFigures},
	{"1000 receivers, 1 sender", "fanout1000", broadcastFigures},
	{"10 senders, 10 receivers", "many10", broadcastFigures},
	{"1000 idle connections (median of the runs)", "idle1000", []figure{
		{"server memory per connection (KB)", "server_bytes_per_connection", per1024, 1},
	}},
	{"10,000 connections, held 10 s", "hold10k", []figure{
		{"held", "connections_held", 1, 0},
		{"failed to open", "connections_failed", 1, 0},
		{"server RSS with all held (MB)", "server_rss_after_kb", per1024, 1},
		{"server memory per connection (KB)", "server_bytes_per_connection", per1024, 1},
	}},
	{"flood: 20 clients, 64 KB of '<', 19 a second each, 10 s", "flood", []figure{
		{"messages received per client per second", "received_per_client_per_second", 1, 1},
		{"clients dropped", "clients_dropped", 1, 0},
		{"server peak RSS (MB)", "server_peak_rss_kb", per1024, 1},
	}},
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: benchtable DIR   (the directory of the load generator's JSON results)")
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return errors.New("want one directory")
	}
	results, err := load(flags.Arg(0))
	if err != nil {
		return err
	}
	writeTable(stdout, results)
	return nil
}

// results holds, by "SERVER-SCENARIO", every run's JSON object.
type results map[string][]map[string]any

// load reads every *.json file in dir.
func load(dir string) (results, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	r := results{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var v map[string]any
		if len(data) == 0 || json.Unmarshal(data, &v) != nil {
			continue // a run that failed before printing its result
		}
		key := strings.TrimSuffix(filepath.Base(f), ".json")
		// A repeated run, SERVER-SCENARIO-N, joins SERVER-SCENARIO.
		if i := strings.LastIndexByte(key, '-'); i > 0 && strings.Trim(key[i+1:], "0123456789") == "" {
			if strings.Count(key, "-") > 1 {
				key = key[:i]
			}
		}
		r[key] = append(r[key], v)
	}
	return r, nil
}

// value is the median of a figure over a scenario's runs, if any run has it.
func (r results) value(server, scenario, field string) (float64, bool) {
	var vs []float64
	for _, run := range r[server+"-"+scenario] {
		if v, ok := run[field].(float64); ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	return vs[(len(vs)-1)/2], true
}

func writeTable(w io.Writer, r results) {
	fmt.Fprint(w, "| figure |")
	for _, s := range servers {
		fmt.Fprintf(w, " %s |", s.title)
	}
	fmt.Fprintln(w, " lesson 5 / Bun |")
	fmt.Fprintln(w, "|---|"+strings.Repeat("---:|", len(servers)+1))
	for _, sec := range sections {
		if !r.has(sec.scenario) {
			continue
		}
		fmt.Fprintf(w, "| **%s** |%s\n", sec.title, strings.Repeat(" |", len(servers)+1))
		for _, f := range sec.figures {
			fmt.Fprintf(w, "| %s |", f.title)
			for _, s := range servers {
				fmt.Fprintf(w, " %s |", r.cell(s.file, sec.scenario, f))
			}
			fmt.Fprintf(w, " %s |\n", r.ratio("lesson5", "bun", sec.scenario, f.field))
		}
	}
}

// has tells whether any server ran the scenario.
func (r results) has(scenario string) bool {
	for _, s := range servers {
		if len(r[s.file+"-"+scenario]) > 0 {
			return true
		}
	}
	return false
}

func (r results) cell(server, scenario string, f figure) string {
	v, ok := r.value(server, scenario, f.field)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.*f", f.decimals, v*f.scale)
}

func (r results) ratio(a, b, scenario, field string) string {
	va, okA := r.value(a, scenario, field)
	vb, okB := r.value(b, scenario, field)
	if !okA || !okB || vb == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", va/vb)
}
