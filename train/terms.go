package train

import (
	"strconv"

	"deepopt/model"
)

// termColumns are the metrics.csv columns of a model whose objective has
// several terms (auxiliary heads, model.LossTerms): loss_<term> for each term (main, aux1,
// ..., l2), its unweighted value at the starting point of the row's last
// step, and with a test set test_acc_<head> for each auxiliary head, its
// accuracy at the current weights θ. A model with one term adds none, so
// its metrics.csv keeps the loop's columns only.
func termColumns(t *Trainer) []Column {
	terms := t.Model.Terms()
	if terms == nil {
		return nil
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	var cols []Column
	for i, term := range terms {
		cols = append(cols, Column{"loss_" + term.Name, func(t *Trainer) string {
			if i >= len(t.lastTerms) {
				return "NaN"
			}
			return g(t.lastTerms[i].Loss)
		}})
	}
	if t.Test == nil {
		return cols
	}
	var evals []model.Evaluation
	evaluated := -1
	for k, head := range terms[1 : 1+len(t.Model.Spec().AuxHeads)] {
		cols = append(cols, Column{"test_acc_" + head.Name, func(t *Trainer) string {
			if evaluated != t.state.Step {
				var err error
				if evals, err = t.Model.EvaluateHeads(t.theta, t.Test); err != nil {
					return "NaN"
				}
				evaluated = t.state.Step
			}
			return g(evals[k].Accuracy)
		}})
	}
	return cols
}
