package experiment

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"deepopt/checkpoint"
	"deepopt/config"
	"deepopt/internal/atomicfile"
	"deepopt/rundir"
)

// Stripped describes a model StripHeads wrote: the parameters it kept and
// those it dropped, and the owners of the dropped layers (model.Layer.Owner:
// the auxiliary heads, and any loss term with layers of its own).
type Stripped struct {
	Kept, Dropped int
	Heads         []string
}

// StripHeads writes into dst the finished run in src without its auxiliary
// heads, as the lecture discards them once training is complete (Lee et al.
// 2015; Szegedy et al. 2015): a run directory whose config.yaml is src's
// with model.aux_heads removed, and whose checkpoint is model-only
// (rundir.LoopState.ModelOnly). That checkpoint holds the network's
// parameters at the weights src reports (the averaged ones when it
// averages) and the BN running statistics src evaluates them with
// (re-estimated when it re-estimates), so that `train eval` on dst gives
// exactly the test loss and accuracy of src's main head, without training
// data. It keeps no optimizer, sampler, wrapper or hook state, whose sizes
// and meaning belong to the network with heads: dst can be evaluated,
// distilled from or loaded into a new run, and Resume's trainer refuses to
// train it (train.Trainer.ModelOnly). The config also drops what only
// training used (train.freeze, which may name the heads' parameters, and the
// probe, record, continuation and curriculum sections, which may name other
// runs), so dst depends on its data alone.
//
// It refuses, before writing anything, a src that is unfinished or has no
// heads, and a dst that already holds a run or a file.
func StripHeads(src, dst string, log io.Writer) (Stripped, error) {
	if err := rundir.CheckNew(dst); err != nil {
		return Stripped{}, err
	}
	r, err := Resume(src, nil, log)
	if err != nil {
		return Stripped{}, err
	}
	t := r.Trainer
	if len(r.Config.Model.AuxHeads) == 0 {
		return Stripped{}, fmt.Errorf("%s has no auxiliary heads (model.aux_heads is empty): there is nothing to strip; evaluate or load the run as it is", src)
	}
	if !t.Done() {
		return Stripped{}, fmt.Errorf("%s has not finished (step %d of %d); finish it with `go run ./cmd/train --resume %s`, then strip its heads", src, t.Step(), t.Steps, src)
	}
	source, err := checkpoint.Load(filepath.Join(src, rundir.CheckpointFile))
	if err != nil {
		return Stripped{}, err
	}
	ls, err := rundir.ReadLoopState(source)
	if err != nil {
		return Stripped{}, fmt.Errorf("%s: %w", src, err)
	}
	w, bn, err := t.Reported()
	if err != nil {
		return Stripped{}, err
	}
	cfg := strippedConfig(r.Config)
	text, err := cfg.Marshal()
	if err != nil {
		return Stripped{}, err
	}
	a := checkpoint.NewArchive()
	var out Stripped
	for _, l := range t.Model.Layers() {
		for _, p := range l.Params {
			if l.Owner != "" {
				out.Dropped += p.End - p.Start
				if !slices.Contains(out.Heads, l.Owner) {
					out.Heads = append(out.Heads, l.Owner)
				}
				continue
			}
			out.Kept += p.End - p.Start
			a.SetFloat64(rundir.PrefixParam+p.Name, t.Model.ParamShape(p.Name), w[p.Start:p.End])
		}
	}
	rundir.SetFloats(a, rundir.PrefixBN, bn)
	rundir.SetLoopState(a, rundir.LoopState{Step: ls.Step, Examples: ls.Examples, FuncEvals: ls.FuncEvals, GradEvals: ls.GradEvals,
		WallSeconds: ls.WallSeconds, Sampler: ls.Sampler, FirstLoss: math.NaN(), Architecture: architecture(cfg), ModelOnly: true})
	// The checkpoint first: a directory with a config and no checkpoint
	// would be a run to start from step 0.
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return Stripped{}, err
	}
	if err := checkpoint.Save(filepath.Join(dst, rundir.CheckpointFile), a); err != nil {
		return Stripped{}, err
	}
	return out, atomicfile.Write(filepath.Join(dst, rundir.ConfigFile), func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	})
}

// strippedConfig is cfg without auxiliary heads and without what only
// training uses (see StripHeads).
func strippedConfig(cfg *config.Config) *config.Config {
	c, def := *cfg, config.Default()
	c.Model.AuxHeads = nil
	c.Train.Freeze = def.Train.Freeze
	c.Probe, c.Record, c.Continuation, c.Curriculum = def.Probe, def.Record, def.Continuation, def.Curriculum
	return &c
}
