package data

import (
	"archive/zip"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"deepopt/checkpoint"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadScores reads the same scores from a CSV column with a header and
// from a .npy file (written by the checkpoint package's NumPy writer, whose
// bytes the checkpoint tests check against NumPy), and refuses files that do
// not fit the training set.
func TestReadScores(t *testing.T) {
	want := []float64{0.5, -1, 3, 2.25}
	csv := writeFile(t, "scores.csv", "loss\n0.5\n-1\n\n3\n2.25\n")
	got, err := ReadScores(csv, 4)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("CSV: %v, %v; want %v", got, err, want)
	}
	archive := checkpoint.NewArchive()
	archive.SetFloat64("scores", []int{4}, want)
	npz := filepath.Join(t.TempDir(), "a.npz")
	if err := checkpoint.Save(npz, archive); err != nil {
		t.Fatal(err)
	}
	npy := extractNPY(t, npz, "scores.npy")
	if got, err := ReadScores(npy, 4); err != nil || !slices.Equal(got, want) {
		t.Errorf(".npy: %v, %v; want %v", got, err, want)
	}
	for _, tt := range []struct {
		name, text string
		n          int
		want       string
	}{
		{"short.csv", "1\n2\n3\n", 4, "3 difficulty scores for 4 training examples"},
		{"nan.csv", "1\nNaN\n3\n", 3, "score of example 1 is NaN"},
		{"inf.csv", "1\n2\n+Inf\n", 3, "score of example 2 is +Inf"},
		{"text.csv", "1\ntwo\n3\n", 3, `text.csv:2: "two" is not a number`},
	} {
		if _, err := ReadScores(writeFile(t, tt.name, tt.text), tt.n); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := ReadScores(npy, 5); err == nil || !strings.Contains(err.Error(), "4 difficulty scores for 5") {
		t.Errorf(".npy of another length: error %v", err)
	}
}

// TestOrder checks the three orderings on scores with ties.
func TestOrder(t *testing.T) {
	scores := []float64{0.3, 0.1, 0.3, 0.2, -5}
	curr, err := Order(scores, Curriculum, 1)
	if err != nil || !slices.Equal(curr, []int{4, 1, 3, 0, 2}) {
		t.Errorf("curriculum: %v, %v", curr, err)
	}
	anti, _ := Order(scores, AntiCurriculum, 1)
	if !slices.Equal(anti, []int{0, 2, 3, 1, 4}) {
		t.Errorf("anti-curriculum: %v", anti)
	}
	many := RandomScores(1000, 3)
	r1, _ := Order(many, RandomOrder, 1)
	r2, _ := Order(many, RandomOrder, 1)
	r3, _ := Order(many, RandomOrder, 2)
	sorted := slices.Clone(r1)
	slices.Sort(sorted)
	if !slices.Equal(r1, r2) || slices.Equal(r1, r3) || !slices.Equal(sorted, sequence(1000)) {
		t.Error("random order: not a permutation fixed by its seed")
	}
	// The random order ignores the scores: its first half is no easier
	// than its second (the mean of 500 uniform scores has σ ≈ 0.013).
	var first, second float64
	for i, j := range r1 {
		if i < 500 {
			first += many[j] / 500
		} else {
			second += many[j] / 500
		}
	}
	if math.Abs(first-second) > 0.08 {
		t.Errorf("random order: halves of mean score %.3f and %.3f", first, second)
	}
	if _, err := Order([]float64{1, math.NaN()}, Curriculum, 1); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN score: error %v", err)
	}
	if _, err := ParseOrdering("easy-first"); err == nil || !strings.Contains(err.Error(), "curriculum (easy first), anti (hard first), random") {
		t.Errorf("ParseOrdering: error %v", err)
	}
	for _, o := range []Ordering{Curriculum, AntiCurriculum, RandomOrder} {
		if p, err := ParseOrdering(o.String()); err != nil || p != o {
			t.Errorf("ParseOrdering(%q) = %v, %v", o.String(), p, err)
		}
	}
}

// extractNPY copies the member name of the .npz archive at npz into a .npy
// file and returns its path.
func extractNPY(t *testing.T, npz, name string) string {
	t.Helper()
	r, err := zip.OpenReader(npz)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := r.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, string(raw))
}
