package experiment

import (
	"fmt"
	"io"

	"deepopt/config"
	"deepopt/distill"
	"deepopt/model"
	"deepopt/rundir"
	"deepopt/schedule"
)

// addDistillation adds the distill section's soft term, and its hint term
// when distill.hint is set, to the student's spec: the teacher is the finished run in distill.teacher, rebuilt with an
// evaluation batch of the student's minibatch (FinishedModel) and checked
// against the student's classes and example size before anything is
// written. Without a teacher it does nothing.
func addDistillation(cfg *config.Config, spec *model.Spec, log io.Writer) error {
	c := cfg.Distill
	if c.Teacher == "" {
		return nil
	}
	if err := rundir.CheckRun(c.Teacher); err != nil {
		return fmt.Errorf("distill.teacher: %w; train the teacher first, or name the folder of a finished run", err)
	}
	kd := distill.KD{Temperature: c.Temperature, Weight: c.Weight, Unscaled: !c.ScaleT2}
	m, err := FinishedModel(c.Teacher, cfg.Train.BatchSize, log)
	if err != nil {
		return fmt.Errorf("distill.teacher: %w", err)
	}
	teacher, err := distill.NewTeacher(m, c.Teacher, *spec, kd)
	if err != nil {
		return err
	}
	spec.Terms = append(spec.Terms, teacher.Term(termWeight(c.Weight, c.Until, c.Decay)))
	if !c.Hint.On() {
		return nil
	}
	h := distill.Hint{Teacher: c.Hint.Teacher, Student: c.Hint.Student, Regressor: distill.Regressor(c.Hint.Regressor)}
	hint, err := distill.NewHintTeacher(m, c.Teacher, *spec, h)
	if err != nil {
		return err
	}
	spec.Terms = append(spec.Terms, hint.Term(schedule.Constant{Rate: c.Hint.Weight}))
	return nil
}
