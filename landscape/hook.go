package landscape

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"deepopt/model"
	"deepopt/optim"
	"deepopt/rundir"
	"deepopt/train"
)

// File is the Hook's CSV inside a run directory.
const File = "landscape.csv"

// Hook is a train.Hook that probes the landscape every Every steps and at the
// last step, at the trainer's current θ, and appends one Record per probe to
// landscape.csv in the run directory (when the trainer has one) and to
// Records.
//
// It leaves the run as it found it: the probe evaluates the model's training
// path at the weights it measures (model.Model.Eval changes neither the BN
// running statistics nor the model's parameters), calls neither the
// optimizer nor the trainer's batcher, does not count towards the run's
// func_evals, and evaluates its own examples with model.Model.EvalOn, which
// leaves the training minibatch in place. A probed run's metrics.csv and
// final θ are bit-identical to an unprobed run's. Like metrics.csv, landscape.csv survives a resume exactly:
// rows after the checkpoint's step are dropped when the resumed run starts
// and are recomputed.
type Hook struct {
	// Every is the cadence in steps (at least 1).
	Every int
	// Etas are the step sizes of the probe; nil uses DefaultEtas.
	Etas []float64
	// LR is the ICS step size; 0 uses the run's learning rate for the next
	// step, LR.At(step), the update the ICS definition simulates.
	LR float64
	// Examples are indices into the trainer's training set of the fixed probe
	// set (see ProbeSet): a positive multiple of the model's batch size,
	// probed as consecutive minibatches, with L and ∇L the means over them.
	// nil probes the minibatch of the step just taken, as it stands in the
	// model.
	Examples []int
	// Records are the probes of this process, in order.
	Records []Record

	path   string
	layers []optim.Block
	xs     [][]float64
	ys     [][]int
}

var _ train.Hook = (*Hook)(nil)

// ProbeSet returns the indices of a fixed probe set of batches×batchSize
// distinct examples out of n, a seeded draw from its own random stream so that
// it never disturbs (and does not coincide with) the training run's
// shuffling.
func ProbeSet(n, batchSize, batches int, seed uint64) ([]int, error) {
	k := batchSize * batches
	if batchSize < 1 || batches < 1 || k > n {
		return nil, fmt.Errorf("landscape: a probe set of %d batches of %d examples needs %d examples, the training set has %d; use fewer probe batches",
			batches, batchSize, k, n)
	}
	return rand.New(rand.NewPCG(seed, probeStream)).Perm(n)[:k], nil
}

// probeStream is the PCG stream of ProbeSet, distinct from the batcher's
// (epoch numbers) and the validation split's.
const probeStream = 0x5a17 << 32

// Attach implements train.Hook: the probe prepares landscape.csv when the
// run starts, keeping the rows up to the step the run starts from, and
// probes at its cadence.
func (h *Hook) Attach(t *train.Trainer) error {
	if h.Every < 1 {
		return fmt.Errorf("landscape: every = %d; probe at least every 1 step", h.Every)
	}
	t.OnStart(train.PriorityDefault, func(t *train.Trainer) error {
		if t.Dir == "" {
			return nil
		}
		h.path = filepath.Join(t.Dir, File)
		_, err := rundir.PrepareCSV(h.path, h.columns(t.Model), t.Step())
		return err
	})
	t.OnStep(train.PriorityDefault, h.probe)
	return nil
}

// probe measures at the hook's cadence and at the last step.
func (h *Hook) probe(t *train.Trainer) error {
	step := t.Step()
	if step%h.Every != 0 && step != t.Steps {
		return nil
	}
	rec, err := h.Measure(t)
	if err != nil {
		return fmt.Errorf("landscape: step %d: %w", step, err)
	}
	h.Records = append(h.Records, rec)
	if h.path == "" {
		return nil
	}
	return rundir.AppendCSV(h.path, rec.fields())
}

// Measure probes the trainer's model at its current θ once, with the same
// guarantees as the hook's own probes, and returns the Record without writing it.
func (h *Hook) Measure(t *train.Trainer) (Record, error) {
	m := t.Model
	if len(t.Theta()) != m.Dim() {
		return Record{}, errors.New("the trainer holds no parameters yet; probe after Run started or after Restore")
	}
	if h.layers == nil {
		h.layers = Layers(m)
	}
	lr := h.LR
	if lr == 0 {
		lr = t.LR.At(t.Step())
	}
	var obj optim.Objective = m
	if h.Examples != nil {
		if err := h.gather(t); err != nil {
			return Record{}, err
		}
		obj = &batchesObjective{m: m, xs: h.xs, ys: h.ys}
	}
	r, err := Probe{Etas: h.Etas, Layers: h.layers, LR: lr}.Measure(obj, t.Theta())
	return Record{Step: t.Step(), LR: lr, Result: r}, err
}

// gather gathers the probe set on first use.
func (h *Hook) gather(t *train.Trainer) error {
	if h.xs != nil {
		return nil
	}
	b, dim := t.Model.Spec().BatchSize, t.Train.Dim()
	if len(h.Examples) == 0 || len(h.Examples)%b != 0 {
		return fmt.Errorf("%d probe examples; want a positive multiple of the batch size %d", len(h.Examples), b)
	}
	for start := 0; start < len(h.Examples); start += b {
		x, y := make([]float64, b*dim), make([]int, b)
		if err := t.Train.Gather(h.Examples[start:start+b], x, y); err != nil {
			return fmt.Errorf("probe examples: %w", err)
		}
		h.xs, h.ys = append(h.xs, x), append(h.ys, y)
	}
	return nil
}

// batchesObjective is the mean loss over fixed minibatches, each through the
// model's training path as in training (BN with that minibatch's statistics).
type batchesObjective struct {
	m      *model.Model
	xs     [][]float64
	ys     [][]int
	gBatch []float64
}

func (o *batchesObjective) Dim() int { return o.m.Dim() }

func (o *batchesObjective) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		clear(grad)
		if o.gBatch == nil {
			o.gBatch = make([]float64, len(grad))
		}
	}
	var gb []float64
	if grad != nil {
		gb = o.gBatch
	}
	var sum float64
	k := float64(len(o.xs))
	for i := range o.xs {
		l, err := o.m.EvalOn(o.xs[i], o.ys[i], theta, gb)
		if err != nil {
			return 0, err
		}
		sum += l
		for j, v := range gb {
			grad[j] += v / k
		}
	}
	return sum / k, nil
}
