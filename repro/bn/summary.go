package bn

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"deepopt/activations"
	"deepopt/internal/stats"
	"deepopt/repro"
	"deepopt/rundir"
)

// Report holds the numbers of a reproduction, read back from its runs.
type Report struct {
	// Seeds are the seeds of the runs.
	Seeds []int
	// Node and Unit are the recorded node and the unit drawn in the
	// percentile figures; DriftFrom is the first step of the drift
	// measurements.
	Node            string
	Unit, DriftFrom int
	// Accuracy is each network's test accuracy against the step, over the
	// seeds.
	Accuracy map[string]repro.Band
	// Percentiles are the drawn unit's 15th, 50th and 85th percentiles, for
	// each network at the first seed.
	Percentiles map[string]Percentiles
	// Drift is the drawn unit's drift for each network at the first seed;
	// DriftAll the median of the drift over every recorded unit and seed.
	Drift, DriftAll map[string]Drift
	// Units is the number of units whose drift DriftAll summarises.
	Units int
}

// Percentiles are one unit's percentiles over the recorded steps.
type Percentiles struct {
	Step, P15, P50, P85 []float64
}

// Drift measures how much a unit's distribution moves from step From on,
// relative to the width of its 15–85th percentile band at From,
// w₀ = p85(From) − p15(From): Median = max over s ≥ From of |p50(s) −
// p50(From)| / w₀ (how far the middle of the distribution wanders, in band
// widths), Band = max over s ≥ From of |w(s) − w₀| / w₀ (how much the band
// stretches or shrinks). Ioffe & Szegedy's internal covariate shift shows as
// large values without BN and small ones with it.
type Drift struct {
	From, To         float64
	Width0           float64
	Median, Band     float64
	End15, End50     float64
	End85            float64
	Start15, Start50 float64
	Start85          float64
}

// measureDrift computes the Drift of p from step from on; it needs a record
// at or after from and a positive band width there.
func measureDrift(p Percentiles, from int) (Drift, error) {
	i := slices.IndexFunc(p.Step, func(s float64) bool { return s >= float64(from) })
	if i < 0 {
		return Drift{}, fmt.Errorf("no record at or after step %d (the last is at step %v); record longer or lower the drift start", from, p.Step[len(p.Step)-1])
	}
	last := len(p.Step) - 1
	d := Drift{From: p.Step[i], To: p.Step[last], Width0: p.P85[i] - p.P15[i],
		Start15: p.P15[i], Start50: p.P50[i], Start85: p.P85[i], End15: p.P15[last], End50: p.P50[last], End85: p.P85[last]}
	if !(d.Width0 > 0) {
		return Drift{}, fmt.Errorf("the 15–85th percentile band at step %v has width %v; drift is relative to a positive width", d.From, d.Width0)
	}
	for j := i; j <= last; j++ {
		d.Median = max(d.Median, math.Abs(p.P50[j]-d.Start50)/d.Width0)
		d.Band = max(d.Band, math.Abs(p.P85[j]-p.P15[j]-d.Width0)/d.Width0)
	}
	return d, nil
}

// readPercentiles reads the percentiles of every recorded unit of the node
// the run in dir recorded.
func readPercentiles(dir string) (node string, units map[int]Percentiles, err error) {
	act, err := rundir.ReadCSV(filepath.Join(dir, activations.File))
	if err == nil && len(act.Rows) == 0 {
		err = fmt.Errorf("%s has no rows; did the run record anything?", act.Path)
	}
	if err != nil {
		return "", nil, err
	}
	nodeCol, err := act.Column("node")
	if err != nil {
		return "", nil, err
	}
	node = act.Rows[0][nodeCol]
	vals, err := act.Floats(func(row []string) bool { return row[nodeCol] == node }, "unit", "step", "p15", "p50", "p85")
	if err != nil {
		return "", nil, fmt.Errorf("%w; the report needs the percentiles 15, 50 and 85 (record.percentiles)", err)
	}
	units = map[int]Percentiles{}
	for i, u := range vals[0] {
		p := units[int(u)]
		p.Step = append(p.Step, vals[1][i])
		p.P15 = append(p.P15, vals[2][i])
		p.P50 = append(p.P50, vals[3][i])
		p.P85 = append(p.P85, vals[4][i])
		units[int(u)] = p
	}
	return node, units, nil
}

// summarize reads every run of o and computes the report's numbers.
func summarize(o Options) (*Report, error) {
	rep := &Report{Seeds: o.Seeds, Unit: o.Unit, DriftFrom: o.DriftFrom, Accuracy: map[string]repro.Band{},
		Percentiles: map[string]Percentiles{}, Drift: map[string]Drift{}, DriftAll: map[string]Drift{}}
	for _, nw := range networks {
		dirs := runDirs(o, nw.key)
		acc, err := repro.Fold(dirs, "step", "test_acc")
		if err != nil {
			return nil, err
		}
		rep.Accuracy[nw.key] = acc
		var all []Drift
		for k, dir := range dirs {
			node, units, err := readPercentiles(dir)
			if err != nil {
				return nil, err
			}
			if k == 0 {
				rep.Node = node
				p, ok := units[o.Unit]
				if !ok {
					return nil, fmt.Errorf("%s: unit %d of %s was not recorded; choose a recorded unit or record it (record.units)", dir, o.Unit, node)
				}
				rep.Percentiles[nw.key] = p
				if rep.Drift[nw.key], err = measureDrift(p, o.DriftFrom); err != nil {
					return nil, fmt.Errorf("%s unit %d: %w", dir, o.Unit, err)
				}
			}
			if node != rep.Node {
				return nil, fmt.Errorf("%s recorded %s, %s recorded %s; the runs of a report must share record.nodes", dir, node, dirs[0], rep.Node)
			}
			for u, p := range units {
				d, err := measureDrift(p, o.DriftFrom)
				if err != nil {
					return nil, fmt.Errorf("%s unit %d: %w", dir, u, err)
				}
				all = append(all, d)
			}
		}
		rep.DriftAll[nw.key] = medianDrift(all)
		rep.Units = len(all) / len(o.Seeds)
	}
	return rep, nil
}

// runDirs are the run directories of a network, one per seed.
func runDirs(o Options, network string) []string {
	dirs := make([]string, len(o.Seeds))
	for i, s := range o.Seeds {
		dirs[i] = filepath.Join(o.Dir, repro.SeedName(network, s))
	}
	return dirs
}

// medianDrift is the unit-wise median of each drift measure.
func medianDrift(ds []Drift) Drift {
	med := func(f func(Drift) float64) float64 {
		v := make([]float64, len(ds))
		for i, d := range ds {
			v[i] = f(d)
		}
		slices.Sort(v)
		m, _ := stats.Percentile(v, 50)
		return m
	}
	return Drift{From: ds[0].From, To: ds[0].To,
		Width0: med(func(d Drift) float64 { return d.Width0 }),
		Median: med(func(d Drift) float64 { return d.Median }),
		Band:   med(func(d Drift) float64 { return d.Band })}
}
