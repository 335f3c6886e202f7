package experiment

import (
	"fmt"
	"io"
	"strconv"

	"deepopt/config"
	"deepopt/data"
	"deepopt/schedule"
	"deepopt/train"
)

// addCurriculum makes the trainer draw its minibatches at the pace of the
// curriculum section (kinds sample and stochastic), or weight the examples
// of its uniformly drawn minibatches by W_λ(x) (kind weight), and adds the
// metrics columns available (g(t), the easiest examples the last step could
// draw from or weighted 1), lambda (g(t)/N) and, for kind weight,
// mean_weight (the mean weight of the last minibatch). The scores are a
// function of the config (and of the scores file or reference run), and the
// batches and weights of a step functions of the step, so a resumed run
// continues the same curriculum exactly.
func addCurriculum(cfg *config.Config, t *train.Trainer, log io.Writer) error {
	c := cfg.Curriculum
	if c.Kind == "none" {
		return nil
	}
	scores, err := curriculumScores(cfg, t.Train, log)
	if err != nil {
		return fmt.Errorf("curriculum.scores: %w", err)
	}
	ordering, err := data.ParseOrdering(c.Ordering)
	if err != nil {
		return fmt.Errorf("curriculum.ordering: %w", err)
	}
	order, err := data.Order(scores, ordering, uint64(cfg.Seed))
	if err != nil {
		return fmt.Errorf("curriculum.scores: %w", err)
	}
	family, err := schedule.ParsePacingFamily(c.Pacing)
	if err != nil {
		return fmt.Errorf("curriculum.pacing: %w", err)
	}
	n := t.Train.Len()
	pace := schedule.WuPacing{Family: family, A: c.A, B: c.B, Steps: cfg.Train.Steps, N: n}
	if err := pace.Validate(); err != nil {
		return fmt.Errorf("curriculum: %w", err)
	}
	if err := schedule.CheckMinibatch(pace, n, cfg.Train.BatchSize); err != nil {
		return fmt.Errorf("curriculum.b: %w", err)
	}
	last := func(t *train.Trainer) int { return max(t.Step()-1, 0) }
	t.AddColumns(
		train.Column{Name: "available", Value: func(t *train.Trainer) string { return strconv.Itoa(pace.Available(last(t))) }},
		train.Column{Name: "lambda", Value: func(t *train.Trainer) string { return strconv.FormatFloat(pace.At(last(t)), 'g', 6, 64) }},
	)
	if c.Kind == "weight" {
		if t.ExampleWeights, err = schedule.NewCurriculumWeights(order, pace); err != nil {
			return err
		}
		t.AddColumns(train.Column{Name: "mean_weight", Value: meanWeight})
		return nil
	}
	mode := data.SampleMode
	if c.Kind == "stochastic" {
		mode = data.StochasticMode
	}
	t.Sampler, err = data.NewCurriculumSampler(mode, order, pace, cfg.Train.BatchSize, uint64(cfg.Seed))
	return err
}

// meanWeight is the mean example weight of the model's current minibatch,
// the last step's: the share of it that the curriculum counts.
func meanWeight(t *train.Trainer) string {
	sum := 0.0
	w := t.Model.ExampleWeights()
	for _, v := range w {
		sum += v
	}
	return strconv.FormatFloat(sum/float64(len(w)), 'g', 6, 64)
}

// curriculumScores returns the difficulty scores curriculum.scores names
// for the training set.
func curriculumScores(cfg *config.Config, trainSet *data.Dataset, log io.Writer) ([]float64, error) {
	c := cfg.Curriculum
	switch c.Scores {
	case "difficulty":
		if trainSet.Difficulty == nil {
			return nil, fmt.Errorf("the training set of data.dataset %s has no difficulty scores; use random, file, loss or margin", cfg.Data.Dataset)
		}
		return trainSet.Difficulty, nil
	case "random":
		return data.RandomScores(trainSet.Len(), uint64(cfg.Seed)), nil
	case "file":
		return data.ReadScores(c.From, trainSet.Len())
	case "loss", "margin":
		return ReferenceScores(c.From, c.Scores, trainSet, log)
	}
	return nil, fmt.Errorf("%q is unknown; valid: difficulty, random, file, loss, margin", c.Scores)
}
