package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad checks on arbitrary YAML text and one --set argument that Load
// never panics, and that what it accepts Marshal writes so that Load reads
// the same configuration back (the two texts agree byte for byte). The
// seeds are every shipped configuration and the full example; `go test`
// runs them, `go test -fuzz FuzzLoad ./config/` explores.
func FuzzLoad(f *testing.F) {
	seeds, err := filepath.Glob("../configs/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(seeds, "testdata/full.yaml") {
		text, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(text, "train.steps=7")
	}
	f.Add([]byte("model: {kind: cnn, conv: [{channels: 2}]}\n"), "optimizer.kind=adam")
	f.Fuzz(func(t *testing.T, text []byte, set string) {
		dir := t.TempDir()
		path := filepath.Join(dir, "run.yaml")
		if err := os.WriteFile(path, text, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, []string{set})
		if err != nil {
			return
		}
		resolved, err := cfg.Marshal()
		if err != nil {
			t.Fatalf("Marshal refuses what Load accepted: %v", err)
		}
		again := filepath.Join(dir, cfg.Name+".yaml")
		if err := os.WriteFile(again, resolved, 0o644); err != nil {
			t.Skip("the run's name is not a file name here:", err)
		}
		back, err := Load(again, nil)
		if err != nil {
			t.Fatalf("Load refuses what Marshal wrote: %v\n%s", err, resolved)
		}
		twice, err := back.Marshal()
		if err != nil || !bytes.Equal(twice, resolved) {
			t.Fatalf("the configuration changed on the way through Marshal and Load (%v):\n%s\nthen\n%s", err, resolved, twice)
		}
	})
}
