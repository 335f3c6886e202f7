package experiment

import (
	"fmt"

	"deepopt/activations"
	"deepopt/config"
	"deepopt/train"
)

// addRecorder attaches the record section's activations.Recorder to t when it
// names nodes, after checking the nodes and units against t's model, so that
// a bad section fails before the run writes anything.
func addRecorder(cfg *config.Config, t *train.Trainer) error {
	c := cfg.Record
	if len(c.Nodes) == 0 {
		return nil
	}
	if c.Examples > t.Test.Len() {
		return fmt.Errorf("record.examples: %d exceeds the %d examples of the evaluation set; want at most %d", c.Examples, t.Test.Len(), t.Test.Len())
	}
	examples, err := t.Test.Head(c.Examples)
	if err != nil {
		return fmt.Errorf("record.examples: %w", err)
	}
	r := &activations.Recorder{Examples: examples, Nodes: c.Nodes, Percentiles: c.Percentiles, Every: c.Every}
	if len(c.Units) > 0 {
		r.Units = c.Units
	}
	if err := r.Check(t.Model); err != nil {
		return err
	}
	t.Hooks = append(t.Hooks, r)
	return nil
}
