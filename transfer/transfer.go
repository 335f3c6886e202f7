// Package transfer starts a model from another run's parameters (the init
// section): it selects parameters by name with include and exclude globs,
// checks them against the source's names and shapes, and loads them with
// the BN running statistics that belong to them. A run of stages hands one
// stage's parameters to the next the same way (Match).
package transfer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"deepopt/checkpoint"
	"deepopt/config"
	"deepopt/model"
	"deepopt/rundir"
)

// Load returns θ₀, the vector a run of m starts from
// (train.Trainer.Theta0): the parameters the init section selects, by name,
// from the latest checkpoint of the run in init.from, with their bits as
// the checkpoint keeps them in float64, and m's fresh initialisation for the
// others. It loads into m, before its first step, the BN running statistics
// of every BN layer whose γ or β it loads (the statistics belong to the
// weights that produced them). The optimizer state is not loaded: the new
// run starts its optimizer afresh.
// A missing run or checkpoint, a glob that matches no parameter of m, and
// parameters the checkpoint lacks or holds in another shape (every one
// named, with both shapes) are refused before anything changes.
func Load(c config.Transfer, m *model.Model, log io.Writer) ([]float64, error) {
	if err := rundir.CheckRun(c.From); err != nil {
		return nil, fmt.Errorf("init.from: %w", err)
	}
	file := filepath.Join(c.From, rundir.CheckpointFile)
	if _, err := os.Lstat(file); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("init.from: %s has no checkpoint yet (it stopped before its first); continue it with `go run ./cmd/train --resume %s` until it saves one", c.From, c.From)
	}
	a, err := checkpoint.Load(file)
	if err != nil {
		return nil, fmt.Errorf("init.from: %w", err)
	}
	if err := a.CheckFinite(); err != nil {
		return nil, fmt.Errorf("init.from: %s: %w", file, err)
	}
	var theirs []string
	for _, name := range a.Names() {
		if p, ok := strings.CutPrefix(name, rundir.PrefixParam); ok {
			theirs = append(theirs, p)
		}
	}
	selected, err := Match(c, m, theirs, func(name string) []int {
		shape, _, _ := a.Float64(rundir.PrefixParam + name)
		return shape
	})
	if err != nil {
		return nil, err
	}
	theta := m.Params(nil)
	var loaded []string
	for _, b := range selected {
		_, v, err := a.Float64(rundir.PrefixParam + b.Name)
		if err != nil {
			return nil, fmt.Errorf("init.from: %s: %w", file, err)
		}
		copy(theta[b.Start:b.End], v)
		loaded = append(loaded, b.Name)
	}
	bn, err := transferredBN(m, a, loaded)
	if err != nil {
		return nil, fmt.Errorf("init.from: %s: %w", file, err)
	}
	if err := m.SetBNState(bn); err != nil {
		return nil, fmt.Errorf("init.from: %s: %w", file, err)
	}
	if log != nil {
		fmt.Fprintf(log, "init: %d parameters loaded from %s (%s)\n", len(loaded), file, strings.Join(loaded, ", "))
	}
	return theta, nil
}

// selectParams returns the parameters of m that match an include glob (every
// parameter when there is none) and no exclude glob, refusing a glob that
// matches no parameter of m and a selection that is empty.
func selectParams(c config.Transfer, m *model.Model) ([]model.Param, error) {
	var all []model.Param
	for _, l := range m.Layers() {
		all = append(all, l.Params...)
	}
	names := make([]string, len(all))
	for i, p := range all {
		names[i] = p.Name
	}
	matches := func(key string, globs []string) ([]bool, error) {
		hit := make([]bool, len(all))
		for _, glob := range globs {
			matched := false
			for i, name := range names {
				if ok, _ := path.Match(glob, name); ok {
					hit[i], matched = true, true
				}
			}
			if !matched {
				return nil, fmt.Errorf("%s: %q matches no parameter of the new model; its parameters are %s", key, glob, strings.Join(names, ", "))
			}
		}
		return hit, nil
	}
	included, err := matches("init.include", c.Include)
	if err != nil {
		return nil, err
	}
	excluded, err := matches("init.exclude", c.Exclude)
	if err != nil {
		return nil, err
	}
	var out []model.Param
	for i, p := range all {
		if (len(c.Include) == 0 || included[i]) && !excluded[i] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("init: init.include %v and init.exclude %v leave no parameter to load from %s; the new model's parameters are %s", c.Include, c.Exclude, c.From, strings.Join(names, ", "))
	}
	return out, nil
}

// Match returns the parameters of m the init section c selects,
// after checking them against a source of parameters (a checkpoint, or the
// model of a stage before): theirs are its parameters' names and shape
// gives each one's shape. The selected parameters the source lacks and
// those it holds in another shape are refused in one error, every one named.
func Match(c config.Transfer, m *model.Model, theirs []string, shape func(name string) []int) ([]model.Param, error) {
	selected, err := selectParams(c, m)
	if err != nil {
		return nil, err
	}
	var missing, mismatched []string
	for _, p := range selected {
		if !slices.Contains(theirs, p.Name) {
			missing = append(missing, p.Name)
		} else if there, here := shape(p.Name), m.ParamShape(p.Name); !slices.Equal(there, here) {
			mismatched = append(mismatched, fmt.Sprintf("%s is %v there and %v here", p.Name, there, here))
		}
	}
	if len(missing) == 0 && len(mismatched) == 0 {
		return selected, nil
	}
	var problems []string
	if len(mismatched) > 0 {
		problems = append(problems, "shapes differ: "+strings.Join(mismatched, "; "))
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("not in its checkpoint: %s (its parameters are %s)", strings.Join(missing, ", "), strings.Join(theirs, ", ")))
	}
	return nil, fmt.Errorf("init.from: %s is a run of another architecture; %s; load only the parameters the two models share with init.include and init.exclude (e.g. exclude: [out.*] for a new head)", c.From, strings.Join(problems, "; "))
}

// transferredBN returns m's BN state with the running statistics of every BN
// layer whose γ or β was loaded replaced by those in a.
func transferredBN(m *model.Model, a *checkpoint.Archive, loaded []string) (map[string][]float64, error) {
	state := m.BNState()
	source := rundir.Floats(a, rundir.PrefixBN)
	for _, l := range m.Layers() {
		normalizer := func(p model.Param) bool {
			return (p.Role == model.Scale || p.Role == model.Shift) && slices.Contains(loaded, p.Name)
		}
		if !slices.ContainsFunc(l.Params, normalizer) {
			continue
		}
		for key := range state {
			if !strings.HasPrefix(key, l.BN+".") {
				continue
			}
			v, ok := source[key]
			if !ok {
				return nil, fmt.Errorf("%s%s is missing: the checkpoint holds %s's γ and β but not its running statistics", rundir.PrefixBN, key, l.BN)
			}
			state[key] = v
		}
	}
	return state, nil
}
