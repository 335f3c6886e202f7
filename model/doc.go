// Package model builds deepopt's networks (MLPs and conv nets, with optional
// batch normalization) on one Gorgonia graph and exposes them to optimizers as
// an objective over a flat parameter vector.
//
// The graph is built once. Every layer is applied twice to shared parameters:
// a training path over a minibatch of fixed size, ending in the softmax
// cross-entropy loss and its symbolic gradient, and an evaluation path over a
// batch of EvalBatch examples ending in the logits, with batch normalization
// in inference mode and without dropout (the training path's masks are
// redrawn by DrawDropout). Three compiled machines run on the graph: loss and
// gradient, loss alone (cheap line-search trials), and logits alone
// (evaluation); Nodes compiles more, for named hidden nodes. Every machine
// leaves each value it was compiled to compute intact after its run, even
// one that a later requested value is computed from. None of them touches
// batch-normalization running statistics: a training loop folds in the batch
// statistics of a real step's starting
// point explicitly (TrainingObjective.FoldBatchStats, or CommitBatchStats for
// the last run), so line-search trials, probes and evaluations leave the
// model unchanged. Re-estimating the running statistics for other weights
// (averaged ones) and evaluating there (EvaluateAt), or evaluating the
// training path on other examples (EvalOn), leave the model as it was.
//
// The model's parameters are those SetParams set (Params returns them);
// Evaluate, Logits, Nodes and the other evaluations that take no weights
// run at them. An evaluation at given weights (Eval, EvaluateAt, NodesAt,
// EvaluateHeads) writes its θ into the parameter tensors and leaves the
// model's parameters as they are; the next evaluation at them writes them
// back. So a hook evaluates at the trainer's θ, or a probe at θ − ηg,
// without saving and restoring anything.
//
// Optimizers see the model through optim.Objective: Eval(θ, grad) writes θ
// into the parameter tensors in place (converting to the graph's dtype),
// runs the training path on the current minibatch and copies the gradient
// out in float64.
package model
