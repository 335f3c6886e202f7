package bnrepro

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"deepopt/internal/stats"
	"deepopt/rundir"
	"deepopt/train"
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
	// Accuracy is each network's test accuracy over the seeds.
	Accuracy map[string]Curve
	// Percentiles are the drawn unit's 15th, 50th and 85th percentiles, for
	// each network at the first seed.
	Percentiles map[string]Percentiles
	// Drift is the drawn unit's drift for each network at the first seed;
	// DriftAll the median of the drift over every recorded unit and seed.
	Drift, DriftAll map[string]Drift
	// Units is the number of units whose drift DriftAll summarises.
	Units int
}

// Curve is a value over evaluation steps, with its mean, minimum and maximum
// over seeds.
type Curve struct {
	Step           []float64
	Mean, Min, Max []float64
	perSeed        [][]float64
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

// runData is what one run contributes to the report.
type runData struct {
	step, acc []float64
	node      string
	// units maps every recorded unit of node to its percentiles.
	units map[int]Percentiles
}

func readRun(dir string) (*runData, error) {
	metrics, err := readTable(filepath.Join(dir, rundir.MetricsFile))
	if err != nil {
		return nil, err
	}
	cols, err := metrics.Floats(nil, "step", "test_acc")
	if err != nil {
		return nil, err
	}
	rd := &runData{step: cols[0], acc: cols[1], units: map[int]Percentiles{}}
	act, err := readTable(filepath.Join(dir, train.ActivationsFile))
	if err != nil {
		return nil, err
	}
	nodeCol, err := act.Column("node")
	if err != nil {
		return nil, err
	}
	rd.node = act.Rows[0][nodeCol]
	vals, err := act.Floats(func(row []string) bool { return row[nodeCol] == rd.node }, "unit", "step", "p15", "p50", "p85")
	if err != nil {
		return nil, fmt.Errorf("%w; the report needs the percentiles 15, 50 and 85 (record.percentiles)", err)
	}
	for i, u := range vals[0] {
		p := rd.units[int(u)]
		p.Step = append(p.Step, vals[1][i])
		p.P15 = append(p.P15, vals[2][i])
		p.P50 = append(p.P50, vals[3][i])
		p.P85 = append(p.P85, vals[4][i])
		rd.units[int(u)] = p
	}
	return rd, nil
}

// readTable reads a CSV file of a run that must hold rows.
func readTable(path string) (*rundir.Table, error) {
	t, err := rundir.ReadCSV(path)
	if err == nil && len(t.Rows) == 0 {
		err = fmt.Errorf("%s has no rows; did the run record anything?", path)
	}
	return t, err
}

// summarize reads every run of o and computes the report's numbers.
func summarize(o Options) (*Report, error) {
	rep := &Report{Seeds: o.Seeds, Unit: o.Unit, DriftFrom: o.DriftFrom, Accuracy: map[string]Curve{},
		Percentiles: map[string]Percentiles{}, Drift: map[string]Drift{}, DriftAll: map[string]Drift{}}
	for _, nw := range networks {
		var curve Curve
		var all []Drift
		for k, seed := range o.Seeds {
			dir := runDir(o.Dir, nw.key, seed)
			rd, err := readRun(dir)
			if err != nil {
				return nil, err
			}
			if k == 0 {
				curve.Step = rd.step
				rep.Node = rd.node
				p, ok := rd.units[o.Unit]
				if !ok {
					return nil, fmt.Errorf("%s: unit %d of %s was not recorded; choose a recorded unit or record it (record.units)", dir, o.Unit, rd.node)
				}
				rep.Percentiles[nw.key] = p
				if rep.Drift[nw.key], err = measureDrift(p, o.DriftFrom); err != nil {
					return nil, fmt.Errorf("%s unit %d: %w", dir, o.Unit, err)
				}
			}
			if !slices.Equal(rd.step, curve.Step) || rd.node != rep.Node {
				return nil, fmt.Errorf("%s evaluated at other steps or recorded another node than %s; the runs of a report must share train.eval_every, train.steps and record.nodes",
					dir, runDir(o.Dir, nw.key, o.Seeds[0]))
			}
			curve.perSeed = append(curve.perSeed, rd.acc)
			for u, p := range rd.units {
				d, err := measureDrift(p, o.DriftFrom)
				if err != nil {
					return nil, fmt.Errorf("%s unit %d: %w", dir, u, err)
				}
				all = append(all, d)
			}
		}
		curve.spread()
		rep.Accuracy[nw.key] = curve
		rep.DriftAll[nw.key] = medianDrift(all)
		rep.Units = len(all) / len(o.Seeds)
	}
	return rep, nil
}

// spread computes the mean, minimum and maximum over seeds at every step.
func (c *Curve) spread() {
	n := len(c.Step)
	c.Mean, c.Min, c.Max = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		c.Min[i], c.Max[i] = math.Inf(1), math.Inf(-1)
		for _, acc := range c.perSeed {
			c.Mean[i] += acc[i] / float64(len(c.perSeed))
			c.Min[i] = min(c.Min[i], acc[i])
			c.Max[i] = max(c.Max[i], acc[i])
		}
	}
}

// at returns the index of the last evaluation at or before step, -1 if none.
func (c *Curve) at(step int) int {
	i := -1
	for j, s := range c.Step {
		if s <= float64(step) {
			i = j
		}
	}
	return i
}

// reach returns, for each seed, the first evaluated step whose accuracy is
// at least threshold, or -1 when the run never reached it.
func (c *Curve) reach(threshold float64) []int {
	out := make([]int, len(c.perSeed))
	for k, acc := range c.perSeed {
		out[k] = -1
		if i := slices.IndexFunc(acc, func(a float64) bool { return a >= threshold }); i >= 0 {
			out[k] = int(c.Step[i])
		}
	}
	return out
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
