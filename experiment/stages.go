package experiment

import (
	"fmt"

	"deepopt/config"
	"deepopt/model"
	"deepopt/transfer"
)

// CheckStages assembles the run of every stage config of a run of stages
// (config.Config.StageConfig), in order, without loading parameters or
// writing anything, and checks that each stage after the first can start
// from the one before: the parameters its init section selects exist in the
// model before, in the same shapes. So a run of stages refuses a stage that
// cannot be built (a freeze glob of a layer not grown yet, an unknown node)
// before its first stage starts, not after hours of training. Names are the
// stages' names, for the messages.
func CheckStages(cfgs []*config.Config, names []string) error {
	var before *model.Model
	for i, cfg := range cfgs {
		r, err := assemble(cfg, "", nil)
		if err == nil && before != nil {
			prev := before
			_, err = transfer.Match(cfg.Init, r.Trainer.Model, paramNames(prev), prev.ParamShape)
		}
		if err != nil {
			return fmt.Errorf("stage %d (%s): %w", i+1, names[i], err)
		}
		before = r.Trainer.Model
	}
	return nil
}

// paramNames lists the names of m's parameter tensors in θ's order.
func paramNames(m *model.Model) []string {
	var names []string
	for _, b := range m.Blocks() {
		names = append(names, b.Name)
	}
	return names
}
