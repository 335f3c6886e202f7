package landscape

import (
	"fmt"
	"strconv"
	"strings"

	"deepopt/model"
	"deepopt/rundir"
)

// Record is one probe of a training run.
type Record struct {
	// Step is the number of completed training steps at the probe.
	Step int
	// LR is the ICS step size used.
	LR float64
	Result
}

// Column names of landscape.csv: the summary, then per step size η the loss
// and gradient change at θ − ηg ("loss_at_0.05", "grad_change_at_0.05"), then
// per layer the ICS ("ics_l2_fc1", "ics_cos_fc1").
var summaryColumns = []string{"step", "lr", "loss", "grad_norm", "loss_min", "loss_max",
	"grad_change_min", "grad_change_max", "beta_smoothness"}

const (
	lossAt       = "loss_at_"
	gradChangeAt = "grad_change_at_"
	icsL2        = "ics_l2_"
	icsCos       = "ics_cos_"
)

// columns are the columns of landscape.csv for the model m.
func (h *Hook) columns(m *model.Model) []string {
	etas := h.Etas
	if etas == nil {
		etas = DefaultEtas()
	}
	cols := append([]string(nil), summaryColumns...)
	for _, eta := range etas {
		cols = append(cols, lossAt+formatFloat(eta))
	}
	for _, eta := range etas {
		cols = append(cols, gradChangeAt+formatFloat(eta))
	}
	for _, l := range Layers(m) {
		cols = append(cols, icsL2+l.Name, icsCos+l.Name)
	}
	return cols
}

// fields formats r as a row of landscape.csv.
func (r Record) fields() []string {
	f := []string{strconv.Itoa(r.Step)}
	for _, v := range []float64{r.LR, r.Loss, r.GradNorm, r.LossMin, r.LossMax, r.GradChangeMin, r.GradChangeMax, r.BetaSmoothness} {
		f = append(f, formatFloat(v))
	}
	for _, v := range append(append([]float64(nil), r.Losses...), r.GradChanges...) {
		f = append(f, formatFloat(v))
	}
	for _, s := range r.ICS {
		f = append(f, formatFloat(s.L2), formatFloat(s.Cos))
	}
	return f
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

// ReadCSV reads the records of a landscape.csv written by Hook.
func ReadCSV(path string) ([]Record, error) {
	t, err := rundir.ReadCSV(path)
	if err != nil {
		return nil, err
	}
	header := t.Header
	if len(header) < len(summaryColumns) || strings.Join(header[:len(summaryColumns)], ",") != strings.Join(summaryColumns, ",") {
		return nil, fmt.Errorf("%s: not a landscape.csv (its header must start %s)", path, strings.Join(summaryColumns, ","))
	}
	var out []Record
	for i, row := range t.Rows {
		rec, err := parseRecord(header, row)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

func parseRecord(header, row []string) (Record, error) {
	var r Record
	var err error
	if r.Step, err = strconv.Atoi(row[0]); err != nil {
		return r, fmt.Errorf("step %q: %w", row[0], err)
	}
	nums := make([]float64, len(row))
	for j := 1; j < len(row); j++ {
		if nums[j], err = strconv.ParseFloat(row[j], 64); err != nil {
			return r, fmt.Errorf("column %s: %w", header[j], err)
		}
	}
	r.LR, r.Loss, r.GradNorm, r.LossMin, r.LossMax = nums[1], nums[2], nums[3], nums[4], nums[5]
	r.GradChangeMin, r.GradChangeMax, r.BetaSmoothness = nums[6], nums[7], nums[8]
	for j := len(summaryColumns); j < len(header); j++ {
		name, v := header[j], nums[j]
		switch {
		case strings.HasPrefix(name, lossAt):
			eta, err := strconv.ParseFloat(name[len(lossAt):], 64)
			if err != nil {
				return r, fmt.Errorf("column %s: %w", name, err)
			}
			r.Etas = append(r.Etas, eta)
			r.Losses = append(r.Losses, v)
		case strings.HasPrefix(name, gradChangeAt):
			r.GradChanges = append(r.GradChanges, v)
		case strings.HasPrefix(name, icsL2):
			r.ICS = append(r.ICS, Shift{Layer: name[len(icsL2):], L2: v})
		case strings.HasPrefix(name, icsCos):
			if len(r.ICS) == 0 || r.ICS[len(r.ICS)-1].Layer != name[len(icsCos):] {
				return r, fmt.Errorf("column %s does not follow %s%s", name, icsL2, name[len(icsCos):])
			}
			r.ICS[len(r.ICS)-1].Cos = v
		}
	}
	return r, nil
}
