// Package schedule holds the schedules of deepopt: functions of the training
// step that the training loop consults before each optimizer step.
//
// Learning-rate schedules (LR) give the learning rate η(t) of step t,
// counted from 0: Constant, StepDecay (by milestones or every k steps),
// Exponential, Cosine (Loshchilov & Hutter 2017, without restarts) and a
// linear Warmup in front of any of them. Every schedule is a pure function of
// the step, so a run resumed from a checkpoint continues its schedule exactly
// from the saved step count, with no schedule state to save.
//
// The package will also hold curriculum pacing (the weights W_λ(x) over
// examples of Bengio et al. 2009, raised from easy to hard over training) and
// continuation schedules (the smoothing σ of a Gaussian homotopy, annealed to
// 0, after Mobahi & Fisher 2015), built in the same stateless way.
//
// Each schedule type has a Validate method that reports settings out of
// range, naming the field, the bad value and the valid range; At does not
// check, so validate a schedule once when building it.
package schedule
