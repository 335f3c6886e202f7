// Package avx2 reports whether the processor runs AVX2 and FMA instructions,
// the condition for deepopt's assembly kernels (internal/sgemm,
// internal/sigmoid, internal/softmax, internal/finite, optim's SGD step,
// data's grey levels) on amd64.
package avx2
