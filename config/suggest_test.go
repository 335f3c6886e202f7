package config

import "testing"

func TestEditDistance(t *testing.T) {
	// Reference values: Levenshtein's classic examples, and the optimal
	// string alignment distance of "ca" and "abc", which is 3 (true
	// Damerau–Levenshtein gives 2), from Wikipedia's article on the
	// Damerau–Levenshtein distance.
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"stpes", "steps", 1},
		{"ca", "abc", 3},
		{"bn_eps", "bn_eps", 0},
		{"ß", "s", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"batch_size", "steps", "eval_every", "eval_batch", "checkpoint_every", "log_every"}
	tests := []struct {
		word, want string
		ok         bool
	}{
		{"stpes", "steps", true},
		{"Steps", "steps", true},
		{"batchsize", "batch_size", true},
		{"eval_batches", "eval_batch", true},
		{"epochs", "", false},
		{"lr", "", false},
	}
	for _, tt := range tests {
		got, ok := Closest(tt.word, keys)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.word, got, ok, tt.want, tt.ok)
		}
	}
}
