package train

import (
	"deepopt/batchnorm"
	"deepopt/model"
)

// statsObjective is the model as an optim.Objective that keeps, with every
// evaluation, the BN batch statistics it produced. Inside the trainer's Memo
// it always holds the statistics of the Memo's remembered point, so the loop
// can fold the statistics of θ_t even when the Memo serves θ_t from memory
// and the model has run elsewhere since (line-search trials, probes).
type statsObjective struct {
	model *model.Model
	// batch holds the statistics of the last evaluation, one per BN layer.
	batch []batchnorm.Batch
}

// Dim implements optim.Objective.
func (s *statsObjective) Dim() int { return s.model.Dim() }

// Eval implements optim.Objective.
func (s *statsObjective) Eval(theta, grad []float64) (float64, error) {
	loss, err := s.model.Eval(theta, grad)
	if err != nil {
		return loss, err
	}
	s.batch = s.model.LastBatchStats()
	return loss, nil
}
