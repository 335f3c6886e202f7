// The body-less declaration of runall, linked to Gorgonia's, needs an
// assembly file in the package: without one the compiler asks for its body.
