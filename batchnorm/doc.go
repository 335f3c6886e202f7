// Package batchnorm is deepopt's batch normalization transform (Ioffe &
// Szegedy, "Batch Normalization: Accelerating Deep Network Training by
// Reducing Internal Covariate Shift", ICML 2015) for inputs of shape (N, C)
// and (N, C, H, W), with the training and inference semantics under the
// control of the caller.
//
// On the training path (Algorithm 1 of the paper) every channel is normalised
// with the statistics of the current minibatch, over N examples or over the
// N·H·W positions of a feature map:
//
//	μ_B = (1/m) Σ x_i,  σ²_B = (1/m) Σ (x_i − μ_B)²,
//	x̂_i = (x_i − μ_B) / sqrt(σ²_B + ε),  y_i = γ x̂_i + β.
//
// On the evaluation path (Algorithm 2, step 10) the batch statistics are
// replaced by running statistics: y = γ (x − E[x]) / sqrt(Var[x] + ε) + β.
//
// The training path is one fused Gorgonia operation with its own gradient
// (the backward pass of §3 of the paper), computing the statistics in
// float64 for float32 graphs too; the evaluation path is built from
// Gorgonia's primitive operations. Both gradients, with respect to x, γ and
// β, are checked against finite differences in this package's tests. The
// batch statistics of every training-path run are copied into Go as it
// runs (BatchStatistics), whichever machine runs it. The running statistics live in Go as float64 and are
// changed only by explicit calls: Update after a real training step
// (an exponential moving average with PyTorch's momentum convention and the
// unbiased variance), UpdateAverage for re-estimating statistics after weight
// averaging (the cumulative average of PyTorch's update_bn), ResetRunning,
// SetRunning and SetState (checkpoints). Running the training path — for a
// gradient, a line-search trial or a probe — never changes them, and running
// the evaluation path only reads them.
//
// Gorgonia's own G.BatchNorm is not used because its semantics do not fit
// optimisation research: with nil scale and bias it creates them with the full
// input shape and random values; its training/inference mode is one flag
// shared by every machine on the graph, and switching to training wipes the
// running statistics; every training-mode forward pass, including each trial
// point of a line search, folds the batch into the running statistics; and
// its 4D inference-mode gradient is wrong.
package batchnorm
