package experiment

import (
	"fmt"
	"io"

	"deepopt/model"
	"deepopt/optim"
)

// FinishedModel reopens the finished run in dir (Resume) and returns its
// model at the weights the run reports (train.Trainer.Weights), with an
// evaluation path of evalBatch examples per forward pass: a network another
// run uses as it ended, such as a distillation teacher. It refuses a run
// that has not finished and one whose reported weights are averaged over a
// model with batch normalization, whose running statistics belong to the
// live weights.
func FinishedModel(dir string, evalBatch int, log io.Writer) (*model.Model, error) {
	r, err := Resume(dir, []string{fmt.Sprintf("train.eval_batch=%d", evalBatch)}, log)
	if err != nil {
		return nil, err
	}
	t := r.Trainer
	if !t.Done() {
		return nil, fmt.Errorf("%s has not finished (step %d of %d); finish it with `go run ./cmd/train --resume %s`, or use a finished run", dir, t.Step(), t.Steps, dir)
	}
	if avg, ok := t.Optimizer.(optim.Averager); ok && avg.Averaged() != nil && r.Config.Model.BatchNorm {
		return nil, fmt.Errorf("%s reports weights averaged by optimizer.average = %s on a model with batch normalization, whose running statistics belong to the last iterate; use a run without averaging or without batch normalization", dir, r.Config.Optimizer.Average)
	}
	t.Model.SetParams(t.Weights())
	return t.Model, nil
}
