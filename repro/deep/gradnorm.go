package deep

import (
	"context"
	"slices"
	"strconv"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/model"
	"deepopt/repro"
	"deepopt/train"

	"gonum.org/v1/gonum/floats"
)

// GradNorms are the Euclidean norms of the objective's gradient with
// respect to each weight matrix of the network (its heads' excluded) over
// the first steps of a run: Norms[l][t] for Layers[l] after step t+1, on
// that step's minibatch. With auxiliary heads the objective includes their
// weighted terms: the gradient the lower layers receive is the lecture's
// point ("ensure that the lower layers receive a large gradient").
type GradNorms struct {
	Layers []string
	Norms  [][]float64
}

// gradNorms trains plain SGD and the network with its heads (the config's
// aux_heads) at rate lr for o.GradSteps steps at the first seed, in memory,
// and records their per-layer gradient norms.
func gradNorms(ctx context.Context, lr float64, o Options) (map[string]GradNorms, error) {
	out := map[string]GradNorms{}
	for _, arm := range []string{Plain, DSN} {
		sets := slices.Concat(o.Sets, []string{"seed=" + strconv.Itoa(o.Seeds[0]), "schedule.lr=" + repro.G(lr),
			"train.steps=" + strconv.Itoa(o.GradSteps)})
		if arm == Plain {
			sets = append(sets, "model.aux_heads=[]")
		}
		cfg, err := config.Load(o.Config, sets)
		if err != nil {
			return nil, err
		}
		run, err := experiment.New(cfg, "", nil)
		if err != nil {
			return nil, err
		}
		t := run.Trainer
		t.Test = nil // the norms are the record; no evaluation
		m := t.Model
		var weights []model.Param
		var g GradNorms
		for _, l := range m.Layers() {
			if l.Owner == "" {
				weights = append(weights, l.Params[0])
				g.Layers = append(g.Layers, l.Name)
			}
		}
		g.Norms = make([][]float64, len(weights))
		grad := make([]float64, m.Dim())
		t.OnStep(train.PriorityDefault, func(t *train.Trainer) error {
			if _, err := m.Eval(t.Theta(), grad); err != nil {
				return err
			}
			for i, w := range weights {
				g.Norms[i] = append(g.Norms[i], floats.Norm(grad[w.Start:w.End], 2))
			}
			return nil
		})
		if _, err := run.Start(ctx); err != nil {
			return nil, err
		}
		out[arm] = g
	}
	return out, nil
}
