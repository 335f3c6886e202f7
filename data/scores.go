package data

import (
	"bufio"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"deepopt/checkpoint"
)

// Difficulty scores order the training examples for curriculum learning
// (Bengio et al. 2009; Wu, Dyer & Neyshabur 2021): a lower score is an easier
// example. They come from a file (ReadScores), from the control RandomScores,
// from a data set's own Difficulty (the shape sets' irregularity), or from a
// reference model's per-example loss or margin.

// CheckScores reports a score list whose length is not n, or which holds a
// NaN or infinite score.
func CheckScores(scores []float64, n int) error {
	if len(scores) != n {
		return fmt.Errorf("%d difficulty scores for %d training examples: give exactly one score per training example, in the order of the training set", len(scores), n)
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("the difficulty score of example %d is %v: every score must be a finite number", i, s)
		}
	}
	return nil
}

// ReadScores reads the difficulty scores of n training examples from path:
// a NumPy .npy file of one-dimensional float64 or int64 values, or any other
// file as text with one number per line (a CSV column; blank lines and one
// header line that is not a number are skipped). It refuses a file with
// another number of scores, and NaN or infinite scores.
func ReadScores(path string, n int) ([]float64, error) {
	var scores []float64
	var err error
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		var shape []int
		if scores, shape, err = checkpoint.ReadNPYFile(path); err != nil {
			return nil, err
		}
		if len(shape) != 1 {
			return nil, fmt.Errorf("%s: an array of shape %v; want a one-dimensional array of scores (numpy's ravel)", path, shape)
		}
	} else if scores, err = readScoresText(path); err != nil {
		return nil, err
	}
	if err := CheckScores(scores, n); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return scores, nil
}

// readScoresText reads one number per line.
func readScoresText(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var scores []float64
	lines := bufio.NewScanner(f)
	for line := 1; lines.Scan(); line++ {
		text := strings.TrimSpace(lines.Text())
		if text == "" {
			continue
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			if line == 1 {
				continue // a header
			}
			return nil, fmt.Errorf("%s:%d: %q is not a number; the file must hold one score per line", path, line, text)
		}
		scores = append(scores, v)
	}
	if err := lines.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return scores, nil
}

// randomScoresStream is the PCG stream of RandomScores, apart from the
// Batcher's and SplitValidation's.
const randomScoresStream = 0x73636f726573 // "scores"

// RandomScores returns n scores uniform in [0, 1) drawn from seed: the
// control that orders the examples at random (Wu et al.'s random ordering).
func RandomScores(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, randomScoresStream))
	scores := make([]float64, n)
	for i := range scores {
		scores[i] = rng.Float64()
	}
	return scores
}

// Ordering turns difficulty scores into the order in which a curriculum
// makes the examples available.
type Ordering int

// The orderings of Wu et al. (2021, section 2).
const (
	// Curriculum orders the examples from the easiest (lowest score) up.
	Curriculum Ordering = iota + 1
	// AntiCurriculum orders them from the hardest down.
	AntiCurriculum
	// RandomOrder ignores the scores and orders the examples by a seeded
	// random permutation.
	RandomOrder
)

// orderingNames are the orderings' names, as ParseOrdering accepts them.
var orderingNames = map[Ordering]string{Curriculum: "curriculum", AntiCurriculum: "anti", RandomOrder: "random"}

// String returns "curriculum", "anti" or "random".
func (o Ordering) String() string {
	if name, ok := orderingNames[o]; ok {
		return name
	}
	return fmt.Sprintf("Ordering(%d)", int(o))
}

// ParseOrdering returns the ordering named "curriculum", "anti" or
// "random".
func ParseOrdering(name string) (Ordering, error) {
	for o, n := range orderingNames {
		if n == name {
			return o, nil
		}
	}
	return 0, fmt.Errorf("ordering %q is unknown; valid: curriculum (easy first), anti (hard first), random", name)
}

// orderStream is the PCG stream of the random ordering.
const orderStream = 0x6f72646572 // "order"

// Order returns the indices of the examples in the order o makes them
// available: a permutation of [0, len(scores)). Equal scores keep their
// index order (a stable sort), so the order is a function of the scores
// alone; seed is used by RandomOrder only. It checks the scores as
// CheckScores does.
func Order(scores []float64, o Ordering, seed uint64) ([]int, error) {
	if err := CheckScores(scores, len(scores)); err != nil {
		return nil, err
	}
	order := sequence(len(scores))
	switch o {
	case Curriculum:
		slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(scores[i], scores[j]) })
	case AntiCurriculum:
		slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(scores[j], scores[i]) })
	case RandomOrder:
		rand.New(rand.NewPCG(seed, orderStream)).Shuffle(len(order), func(i, j int) {
			order[i], order[j] = order[j], order[i]
		})
	default:
		return nil, fmt.Errorf("%v is not an ordering; use Curriculum, AntiCurriculum or RandomOrder", o)
	}
	return order, nil
}
