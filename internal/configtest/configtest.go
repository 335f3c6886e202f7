// Package configtest holds what tests share to build a run's configuration:
// a config of a fixture text, and a small BN network on the checked-in MNIST
// fixture. It is apart from package traintest, whose trainer fixtures the
// tests of packages below config use.
package configtest

import (
	"os"
	"path/filepath"
	"testing"

	"deepopt/config"
)

// LoadConfig writes text into a config file in a fresh folder and loads it
// with sets.
func LoadConfig(t testing.TB, text string, sets ...string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, sets)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// FixtureConfig is a small BN network on the checked-in MNIST fixture, with
// sets, for the tests of a package one folder below the module's root.
func FixtureConfig(t testing.TB, sets ...string) *config.Config {
	t.Helper()
	return LoadConfig(t, "data: {dir: ../testdata/mnist}\nmodel: {hidden: [8, 6], batchnorm: true}\ntrain: {batch_size: 50, eval_batch: 250, steps: 4}\n", sets...)
}
