package experiment

import (
	"fmt"
	"io"

	"deepopt/data"
)

// ReferenceScores returns a difficulty score for each example of trainSet
// from the model of the run in dir, at its checkpoint and with the weights
// it reports (the averaged ones when it averages): measure "loss" scores an
// example by its cross-entropy, "margin" by its negated margin
// −(z_y − max_{k≠y} z_k), so that in both a higher score is a harder example
// (Wu, Dyer & Neyshabur 2021 order by a trained network's loss). The
// reference run must have trained on the same inputs in the same order;
// the labels are trainSet's, so a reference trained on clean labels scores
// a noisy set by its noisy labels.
func ReferenceScores(dir, measure string, trainSet *data.Dataset, log io.Writer) ([]float64, error) {
	if measure != "loss" && measure != "margin" {
		return nil, fmt.Errorf("reference scores: measure %q is unknown; valid: loss, margin", measure)
	}
	ref, err := Resume(dir, nil, log)
	if err != nil {
		return nil, fmt.Errorf("reference run: %w", err)
	}
	if refSet := ref.Trainer.Train; refSet.Len() != trainSet.Len() || !refSet.SameInputs(trainSet) {
		return nil, fmt.Errorf("reference run %s trained on %d examples of shape %v (data.dataset %s, data.dir %q, data.train_limit %d, data.validation %d), not on these %d examples of shape %v; score with a run of the same training set",
			dir, refSet.Len(), refSet.Shape, ref.Config.Data.Dataset, ref.Config.Data.Dir, ref.Config.Data.TrainLimit, ref.Config.Data.Validation, trainSet.Len(), trainSet.Shape)
	}
	loss, margin, err := ref.Trainer.ExampleLosses(trainSet)
	if err != nil {
		return nil, fmt.Errorf("reference run %s: %w", dir, err)
	}
	if measure == "loss" {
		return loss, nil
	}
	for i := range margin {
		margin[i] = -margin[i]
	}
	return margin, nil
}
