package config

import (
	"strings"
	"testing"
)

// TestRecordValidation names every bad record value with its key.
func TestRecordValidation(t *testing.T) {
	c := Default()
	c.Name = "x"
	c.Record = Record{Nodes: []string{"act3.in", ""}, Units: []int{0, -1}, Percentiles: []float64{50, 15, 101}, Every: 0, Examples: 0}
	err := c.Validate()
	for _, want := range []string{"record.nodes.1", "record.units.1", "record.percentiles.1: want percentiles in ascending order",
		"record.percentiles.2: want a percentile in [0, 100], got 101", "record.every", "record.examples"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v\nwant a problem containing %q", err, want)
		}
	}
	c.Record = DefaultRecord()
	c.Record.Nodes = []string{"act3.in"}
	if err := c.Validate(); err != nil {
		t.Errorf("a valid record section: %v", err)
	}
}
