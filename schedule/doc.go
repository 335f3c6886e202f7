// Package schedule holds the schedules of deepopt: quantities that change
// over a run, and the smoothing levels of a continuation with its driver.
//
// A Scalar gives a value at each training step t, counted from 0. The
// learning rate (LR) is one: Constant, StepDecay (by milestones or every k
// steps), Exponential, Cosine (Loshchilov & Hutter 2017, without restarts)
// and a linear Warmup in front of any of them. A loss term's weight, a
// curriculum's pace or a smoothing σ annealed over training are others, for
// which Linear (a ramp to a final value, 0 for a decay), Until (a value
// switched off at a step) and Piecewise (constant between given steps) serve
// besides the learning-rate shapes. Every Scalar is a pure function of the
// step, so a run resumed from a checkpoint continues its schedules exactly
// from the saved step count, with no schedule state to save.
//
// A curriculum's Pacing (Bengio et al. 2009; Wu, Dyer & Neyshabur 2021) is
// a Scalar too: Available gives g(t), how many of the easiest training
// examples step t may draw from, and At the fraction λ = g(t)/N. WuPacing
// has Wu et al.'s six families (linear, quad, root, step, exp, log) with
// their parameters a and b, computed as their code computes them; Switch
// is Bengio et al.'s two stages, an easy set and then everything. Weights
// turns an order of the examples and g(t) into the example weights
// W_λ(x) ∈ {0, 1} of the lecture's curriculum Q_λ ∝ W_λ·P.
//
// A continuation (Mobahi & Fisher 2015; Algorithm 4 of the lecture) is a
// schedule over levels rather than steps: Levels is its sequence of
// smoothing widths t₀ > … > t_N = 0 (GeometricLevels, LinearLevels or a
// list), and Continuation minimises the smoothed objective of each level
// with any optim method, from the previous level's solution.
//
// Each schedule type has a Validate method that reports settings out of
// range, naming the field, the bad value and the valid range; At does not
// check, so validate a schedule once when building it (Validate does so for
// any Scalar).
package schedule
