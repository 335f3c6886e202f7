package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Init draws the initial values of a weight tensor. Values are drawn in
// float64, in row-major order, from a seeded generator, and converted to the
// layer's dtype only afterwards, so float32 and float64 models built from the
// same seed start from the same numbers.
type Init interface {
	// Draw fills dst, the weight tensor's values in row-major order, from
	// rng; fanIn and fanOut are the number of inputs feeding one output
	// unit and of outputs fed by one input unit.
	Draw(dst []float64, fanIn, fanOut int, rng *rand.Rand) error
	// String names the initialiser and its parameters, e.g. "gaussian(0.01)".
	String() string
}

// Gaussian returns the initialiser N(0, std²) that ignores the fans: the
// "small Gaussian" of Ioffe & Szegedy (2015, Sec. 4.1) for their MNIST
// baseline. Draw rejects a negative or non-finite std.
func Gaussian(std float64) Init { return gaussian{std: std} }

// GlorotUniform returns the initialiser U(−a, a) with
// a = √(6/(fanIn+fanOut)), which keeps activation and gradient variances
// equal across layers (Glorot & Bengio 2010, Eq. 16, "normalized
// initialization").
func GlorotUniform() Init { return glorotUniform{} }

// GlorotNormal returns the initialiser N(0, 2/(fanIn+fanOut)), the Gaussian
// with the variance of Glorot & Bengio's (2010) Eq. 12 compromise between the
// forward and backward conditions. It is an untruncated normal.
func GlorotNormal() Init { return glorotNormal{} }

// HeNormal returns the initialiser N(0, 2/fanIn), which preserves the
// forward variance through ReLU layers (He et al. 2015, Eq. 10).
func HeNormal() Init { return heNormal{} }

// Zeros returns the initialiser that sets every value to 0, as for biases.
// It draws nothing from the generator.
func Zeros() Init { return constant{value: 0} }

// Constant returns the initialiser that sets every value to value. It draws
// nothing from the generator; Draw rejects a non-finite value.
func Constant(value float64) Init { return constant{value: value} }

var (
	_ Init = gaussian{}
	_ Init = glorotUniform{}
	_ Init = glorotNormal{}
	_ Init = heNormal{}
	_ Init = constant{}
)

type gaussian struct{ std float64 }

func (i gaussian) String() string { return fmt.Sprintf("gaussian(%g)", i.std) }

func (i gaussian) Draw(dst []float64, fanIn, fanOut int, rng *rand.Rand) error {
	if !(i.std >= 0) || math.IsInf(i.std, 0) {
		return fmt.Errorf("layers: gaussian init std %g is not a finite non-negative number; use e.g. 0.01", i.std)
	}
	return drawNormal(dst, i.std, rng)
}

type glorotUniform struct{}

func (glorotUniform) String() string { return "glorot_uniform" }

func (i glorotUniform) Draw(dst []float64, fanIn, fanOut int, rng *rand.Rand) error {
	if err := checkFans(i, fanIn, fanOut); err != nil {
		return err
	}
	if rng == nil {
		return errNilRNG
	}
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	for k := range dst {
		dst[k] = limit * (2*rng.Float64() - 1)
	}
	return nil
}

type glorotNormal struct{}

func (glorotNormal) String() string { return "glorot_normal" }

func (i glorotNormal) Draw(dst []float64, fanIn, fanOut int, rng *rand.Rand) error {
	if err := checkFans(i, fanIn, fanOut); err != nil {
		return err
	}
	return drawNormal(dst, math.Sqrt(2/float64(fanIn+fanOut)), rng)
}

type heNormal struct{}

func (heNormal) String() string { return "he_normal" }

func (i heNormal) Draw(dst []float64, fanIn, fanOut int, rng *rand.Rand) error {
	if err := checkFans(i, fanIn, fanOut); err != nil {
		return err
	}
	return drawNormal(dst, math.Sqrt(2/float64(fanIn)), rng)
}

type constant struct{ value float64 }

func (i constant) String() string { return fmt.Sprintf("constant(%g)", i.value) }

func (i constant) Draw(dst []float64, fanIn, fanOut int, rng *rand.Rand) error {
	if math.IsNaN(i.value) || math.IsInf(i.value, 0) {
		return fmt.Errorf("layers: constant init value %g is not finite; use a finite number", i.value)
	}
	for k := range dst {
		dst[k] = i.value
	}
	return nil
}

var errNilRNG = fmt.Errorf("layers: random initialisation needs a seeded *rand.Rand, got nil; pass rand.New(rand.NewPCG(seed, stream))")

func drawNormal(dst []float64, std float64, rng *rand.Rand) error {
	if rng == nil {
		return errNilRNG
	}
	for k := range dst {
		dst[k] = std * rng.NormFloat64()
	}
	return nil
}

func checkFans(i Init, fanIn, fanOut int) error {
	if fanIn < 1 || fanOut < 1 {
		return fmt.Errorf("layers: %v init needs fan-in and fan-out ≥ 1, got %d and %d", i, fanIn, fanOut)
	}
	return nil
}
