// Package train is deepopt's training loop: it draws minibatches, evaluates
// the objective at the current parameters and lets the optimizer step.
// Everything else attaches to the loop as a Hook with handlers for the run's
// events (start, step, evaluation, end) in an order of priorities: the
// evaluation cadence and metrics.csv, progress, checkpoints, the activation
// recorder and the landscape probe.
//
// The loop owns the flat parameter vector θ and everything needed to resume a
// run exactly: the parameters, batch-normalization running statistics, the
// optimizer's state, the batcher's position (its shuffling is a pure function
// of seed and epoch) and the partial sums behind the next metrics row. A
// resumed run produces the same metrics rows and final parameters as an
// uninterrupted one.
//
// Each step evaluates J(θ_t) and ∇J(θ_t) once on the step's minibatch, folds
// that pass's batch statistics into the BN running statistics, then calls the
// optimizer, whose further evaluations (line-search trials, Hessian-vector
// products) never touch the running statistics.
package train
