package optimizers

import (
	"fmt"
	"path/filepath"
	"strings"

	"deepopt/plots"
	"deepopt/repro"
)

// Figures are the PNG files Run writes: training loss and test accuracy
// against gradient evaluations and against wall time, in this order.
var Figures = []string{"loss_vs_grad_evals.png", "acc_vs_grad_evals.png", "loss_vs_wall.png", "acc_vs_wall.png"}

// writeReport draws Figures and writes report.md into opts.Out.
func writeReport(opts Options, results []Result) error {
	var groups []repro.Group
	for _, res := range results {
		groups = append(groups, repro.Group{Label: res.Method, Dirs: []string{filepath.Join(opts.Out, res.Method)}})
	}
	title := fmt.Sprintf("Optimizers at a budget of %d gradient evaluations", opts.Budget)
	i := 0
	for _, x := range []string{"grad_evals", "wall_s"} {
		for _, y := range []string{"train_loss", "test_acc"} {
			name := Figures[i] // in the order of the loops
			if err := repro.Curves(filepath.Join(opts.Out, name), plots.Figure{Title: title, LogY: y == "train_loss"}, x, y, groups); err != nil {
				return fmt.Errorf("optimizers: %s: %w", name, err)
			}
			i++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Optimizers at an equal budget of %d gradient evaluations\n\n", opts.Budget)
	fmt.Fprintf(&b, "Base configuration `%s`", opts.Base)
	if len(opts.Sets) > 0 {
		fmt.Fprintf(&b, " with `%s`", strings.Join(opts.Sets, "`, `"))
	}
	fmt.Fprintf(&b, "; each method's own overrides below. Every row of `%s` is an evaluation on the test set.\n\n", CSVFile)
	fmt.Fprintf(&b, "| method | overrides | steps | gradient evaluations | wall time | training loss | test accuracy |\n|---|---|---:|---:|---:|---:|---:|\n")
	for k, res := range results {
		if len(res.Rows) == 0 {
			continue
		}
		last := res.Rows[len(res.Rows)-1]
		fmt.Fprintf(&b, "| %s | `%s` | %d | %d | %.1f s | %.4f | %.2f%% |\n", res.Method, strings.Join(opts.Methods[k].Sets, " "),
			last.Step, last.GradEvals, last.WallSeconds, last.TrainLoss, 100*last.TestAcc)
	}
	b.WriteString("\n")
	for _, f := range Figures {
		fmt.Fprintf(&b, "![%s](%s)\n\n", f, f)
	}
	command := opts.Command
	if command == "" {
		command = fmt.Sprintf("make compare-optim BUDGET=%d", opts.Budget)
	}
	var dirs []string
	for _, g := range groups {
		dirs = append(dirs, g.Dirs...)
	}
	b.WriteString(repro.Provenance(command, dirs))
	return repro.WriteFile(filepath.Join(opts.Out, repro.ReportFile), []byte(b.String()))
}
