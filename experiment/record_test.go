package experiment

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/activations"
)

// TestRecordSection: a record section attaches a recorder that writes
// activations.csv (steps 2 and 4 of 4, every unit of act2.in: 2 × 6 rows);
// an unknown node, a unit outside the node or more examples than the test
// set fail in New, before anything is written, naming the fix.
func TestRecordSection(t *testing.T) {
	dir := t.TempDir()
	cfg := fixtureConfig(t, "record.nodes=[act2.in]", "record.every=2", "record.examples=20")
	r, err := New(cfg, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, activations.File))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(text)), "\n"); len(lines) != 1+2*6 {
		t.Errorf("activations.csv has %d lines, want a header and 12 rows:\n%s", len(lines), text)
	}
	for _, tc := range []struct{ set, want string }{
		{"record.nodes=[act3.in]", "act2.in"}, // the valid names are listed
		{"record.units=[8]", "unit 8 of node act1.in is outside 0..7"},
		{"record.examples=501", "exceeds the 500 examples"},
	} {
		cfg := fixtureConfig(t, "record.nodes=[act1.in]", "record.examples=20", tc.set)
		empty := t.TempDir()
		if _, err := New(cfg, empty, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.set, err, tc.want)
		}
		if files, _ := os.ReadDir(empty); len(files) != 0 {
			t.Errorf("%s: New wrote %d files", tc.set, len(files))
		}
	}
}
