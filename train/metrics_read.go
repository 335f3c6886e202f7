package train

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// ReadMetrics reads a metrics.csv written by the loop back into Rows, so that
// reports (method comparisons, figures) use the run's own numbers. A header
// other than Columns is an error naming both.
func ReadMetrics(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(records) == 0 || !slices.Equal(records[0], Columns) {
		return nil, fmt.Errorf("%s: header %v is not the metrics header %v", path, slices.Concat(records[:min(len(records), 1)]...), Columns)
	}
	rows := make([]Row, 0, len(records)-1)
	for i, rec := range records[1:] {
		row, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// parseRow is the inverse of Row.fields.
func parseRow(f []string) (Row, error) {
	var errs []error
	i := func(k int) int {
		v, err := strconv.Atoi(f[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Columns[k], err))
		}
		return v
	}
	x := func(k int) float64 {
		v, err := strconv.ParseFloat(f[k], 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Columns[k], err))
		}
		return v
	}
	r := Row{Step: i(0), Epoch: x(1), Examples: i(2), WallSeconds: x(3), LR: x(4), TrainLoss: x(5), TestLoss: x(6),
		TestAcc: x(7), FuncEvals: i(8), GradEvals: i(9), LineSearchIters: i(10), StepLength: x(11), Restarts: i(12),
		SearchFailures: i(13)}
	if len(errs) > 0 {
		return Row{}, errs[0]
	}
	return r, nil
}
