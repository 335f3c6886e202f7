package config

import (
	"fmt"
	"strings"
)

// Stage is one stage of a run made of stages: a run of its own in a
// subdirectory of the run directory, whose config is the run's config with
// the stage's overlay applied, and which starts from the parameters of the
// stage before it (package stage).
type Stage struct {
	// Name names the stage and, after its position, its subdirectory
	// (2-finetune).
	Name string `yaml:"name"`
	// Set is the stage's overlay: --set arguments ("train.steps=500",
	// "train.freeze=[fc1.*]", "model.hidden=[100, 100]") applied in order
	// to the run's config. After the first stage, init.include and
	// init.exclude choose the parameters handed over from the stage before.
	Set []string `yaml:"set"`
}

// Staged reports whether c describes a run of stages: a stages list or a
// pretrain section.
func (c *Config) Staged() bool { return len(c.Stages) > 0 || c.Pretrain.StepsPerLayer > 0 }

// StageConfig returns the config of stage i of stages (c.Stages, or those
// a pretrain section makes): c without its stages and pretrain sections,
// named <name>-<stage>, with the stage's overlay applied and, after the
// first stage, init.from set to from, the directory of the stage before
// (the run's own init section applies to the first stage alone).
// Its problems are reported as those of a config file named after the
// stage, each naming the --set argument it came from.
func (c *Config) StageConfig(stages []Stage, i int, from string) (*Config, error) {
	s := stages[i]
	where := fmt.Sprintf("stage %d (%s)", i+1, s.Name)
	for _, set := range s.Set {
		key, _, _ := strings.Cut(set, "=")
		switch {
		case key == "stages" || strings.HasPrefix(key, "stages.") || key == "pretrain" || strings.HasPrefix(key, "pretrain."):
			return nil, fmt.Errorf("config %s: %s: a stage is one run; stages do not nest", where, set)
		case i > 0 && (key == "init" || key == "init.from"):
			return nil, fmt.Errorf("config %s: %s: a stage after the first starts from the stage before it; choose what it hands over with init.include and init.exclude", where, set)
		}
	}
	base := *c
	base.Stages, base.Pretrain = []Stage{}, DefaultPretrain()
	if i > 0 {
		base.Init = Default().Init // the run's init section is the first stage's
	}
	text, err := base.Marshal()
	if err != nil {
		return nil, err
	}
	sets := append([]string{"name=" + c.Name + "-" + s.Name}, s.Set...)
	if i > 0 {
		sets = append(sets, "init.from="+from)
	}
	return load(where, text, sets)
}

// validateStages checks the stages list: unique names fit for a folder,
// and every stage's config valid.
func (c *Config) validateStages(p *problems) {
	seen := map[string]bool{}
	for i, s := range c.Stages {
		key := fmt.Sprintf("stages.%d", i)
		if s.Name == "" || s.Name == "." || s.Name == ".." || strings.ContainsAny(s.Name, `/\`) {
			p.add(key+".name", "want a stage name without path separators (it names the stage's folder), got %q", s.Name)
			continue
		}
		if seen[s.Name] {
			p.add(key+".name", "%q names an earlier stage too; give every stage its own name", s.Name)
		}
		seen[s.Name] = true
		if _, err := c.StageConfig(c.Stages, i, "the stage before"); err != nil {
			p.add(key+".set", "%v", err)
		}
	}
}
