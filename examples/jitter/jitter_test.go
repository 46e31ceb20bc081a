package main

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/holdfast-go/holdfast/internal/exampletest"
)

var fast = []string{"-clients", "5,20,40", "-seeds", "3"}

func TestRunTableAndChart(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "chart.svg")
	exampletest.PrintsWith(t, run, append(fast, "-svg", svg),
		"Total calls", "Completion time", "FullJitter(10ms, 1s)", "Decorrelated(10ms, 1s)", "chart written to "+svg)
	if n := countElements(t, svg, "polyline"); n != 2*4 {
		t.Errorf("chart has %d polylines, want 8 (2 panels x 4 strategies)", n)
	}
}

// countElements parses the XML file at path, failing t if it is not well
// formed, and counts the elements named name.
func countElements(t *testing.T, path, name string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, n := xml.NewDecoder(f), 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == name {
			n++
		}
	}
}

func TestJitterInvariants(t *testing.T) {
	c, err := parseFlags(fast, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	res, err := simulate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res {
		for _, m := range s.cells {
			if m.calls < float64(m.clients) {
				t.Errorf("%s with %d clients: %v calls, want >= one per client", s.name, m.clients, m.calls)
			}
		}
	}
	// The article's finding: without jitter, contention costs the most calls.
	last := len(c.clients) - 1
	for _, s := range res[1:] {
		if s.cells[last].calls >= res[0].cells[last].calls {
			t.Errorf("%s made %v calls, want fewer than %s's %v", s.name, s.cells[last].calls, res[0].name, res[0].cells[last].calls)
		}
	}
	again, _ := simulate(context.Background(), c)
	if again[2].cells[last] != res[2].cells[last] {
		t.Errorf("simulate is not deterministic: %+v then %+v", res[2].cells[last], again[2].cells[last])
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-clients", "10,x"}, `-clients: "x" is not a count`},
		{[]string{"-clients", "0"}, `-clients: "0" is not a count`},
		{[]string{"-clients", "50,10"}, "counts must increase"},
		{[]string{"-seeds", "0"}, "-seeds must be >= 1"},
		{[]string{"-base", "-1s"}, "retry:"},
		{[]string{"-clients", "5", "-svg", filepath.Join(t.TempDir(), "no", "such", "dir.svg")}, "-svg:"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		exampletest.Fails(t, run, tt.args, tt.want)
	}
}

func TestRunHelp(t *testing.T) {
	exampletest.PrintsWith(t, run, []string{"-h"}, "-svg", "-clients", "-seeds")
}

func TestNiceCeil(t *testing.T) {
	tests := []struct{ in, want float64 }{{0, 1}, {1, 1}, {7, 10}, {100, 100}, {101, 200}, {350, 500}}
	for _, tt := range tests {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
