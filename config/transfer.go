package config

import (
	"fmt"
	"path"
)

// Transfer starts a run from another run's parameters (transfer learning):
// the parameters of the new model whose names match include and none of
// exclude are loaded by name from the latest checkpoint of the run in from,
// with the BN running statistics of the loaded BN layers, before step 0; the
// others keep their fresh initialisation, and the optimizer starts afresh.
// Off while from is "".
type Transfer struct {
	// From is the folder of the run whose checkpoint gives the parameters.
	From string `yaml:"from"`
	// Include lists globs over parameter names ("fc1.*", "conv*"); [] means
	// every parameter of the new model.
	Include []string `yaml:"include"`
	// Exclude lists globs over parameter names left at their fresh
	// initialisation, such as a new head ("out.*").
	Exclude []string `yaml:"exclude"`
}

// validate checks the init section: include and exclude need from, and
// every glob must be well formed.
func (t *Transfer) validate(p *problems) {
	for _, list := range []struct {
		key   string
		globs []string
	}{{"init.include", t.Include}, {"init.exclude", t.Exclude}} {
		if t.From == "" && len(list.globs) > 0 {
			p.add(list.key, "%v applies only with init.from, the run whose parameters are loaded; set init.from or remove %s", list.globs, list.key)
		}
		for i, glob := range list.globs {
			if _, err := path.Match(glob, ""); err != nil {
				p.add(fmt.Sprintf("%s.%d", list.key, i), "%q is not a valid glob (%v); write globs such as fc1.* or bn1.gamma", glob, err)
			}
		}
	}
}
