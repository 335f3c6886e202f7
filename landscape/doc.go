// Package landscape measures the optimization landscape of a network along its
// gradient, as Santurkar, Tsipras, Ilyas and Madry do in "How Does Batch
// Normalization Help Optimization?" (NeurIPS 2018), to ask whether batch
// normalization makes the loss smoother rather than reducing internal
// covariate shift.
//
// At parameters θ with gradient g = ∇L(θ) on a fixed batch, and for every
// step size η of a grid (the paper's range 0.05–0.4 by default), a Probe
// reports
//
//   - the loss landscape: the range [min_η, max_η] of L(θ − ηg) (§3.2, Fig. 4a);
//   - gradient predictiveness: the range of ‖∇L(θ − ηg) − ∇L(θ)‖₂ (Fig. 4b);
//   - the effective β-smoothness: max_η ‖∇L(θ − ηg) − ∇L(θ)‖₂ / ‖ηg‖₂ (Fig. 4c);
//   - the internal covariate shift of every layer i (§2.1, Definition 2.1):
//     with G the gradient of layer i's parameters at θ and G' that gradient
//     after the earlier layers 1..i−1 took the step θ ← θ − lr·g (layer i and
//     later ones unchanged), ‖G − G'‖₂ and cos∠(G, G').
//
// A Probe sees the network only as an optim.Objective and the layers as ranges
// of θ (Layers groups a model's parameters by layer), so it is independent of
// Gorgonia and is tested on closed-form objectives. Hook attaches it to a
// train.Trainer: it probes every few steps on its own fixed batch, appends a
// row to landscape.csv in the run directory and leaves the run's numbers
// bit-identical to an unprobed run.
package landscape
