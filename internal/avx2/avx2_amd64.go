package avx2

// Available is whether the processor runs AVX2 and FMA instructions and the
// operating system saves the YMM registers.
var Available = hasAVX2FMA()

func hasAVX2FMA() bool
