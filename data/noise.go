package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"deepopt/internal/bounds"
)

// CheckLabelNoise reports, as a *bounds.Error naming FlipLabels.fraction, a
// share of flipped labels outside [0, 1). FlipLabels checks it; package
// config calls it on data.label_noise.
func CheckLabelNoise(fraction float64) error {
	return bounds.Check("FlipLabels.fraction", fraction, bounds.Unit, "the share of training labels given a wrong class")
}

// noiseStream is the PCG stream of FlipLabels.
const noiseStream = 0x6e6f697365 // "noise"

// FlipLabels gives round(fraction·Len()) examples, chosen at random from
// seed, a wrong label: another class, uniformly. It changes d in place and
// returns the indices of the flipped examples, in increasing order. This is
// the label noise of Wu, Dyer & Neyshabur (2021, section 4), under which
// curricula were found to help; fraction must be in [0, 1)
// (CheckLabelNoise) and d must have at least two classes.
func FlipLabels(d *Dataset, fraction float64, seed uint64) ([]int, error) {
	if err := CheckLabelNoise(fraction); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if fraction > 0 && d.Classes < 2 {
		return nil, fmt.Errorf("label noise needs at least 2 classes to flip a label to, the set has %d", d.Classes)
	}
	rng := rand.New(rand.NewPCG(seed, noiseStream))
	flipped := rng.Perm(d.Len())[:int(math.Round(fraction*float64(d.Len())))]
	slices.Sort(flipped)
	for _, i := range flipped {
		// One of the Classes−1 other labels, uniformly.
		d.Y[i] = (d.Y[i] + 1 + rng.IntN(d.Classes-1)) % d.Classes
	}
	return flipped, nil
}
