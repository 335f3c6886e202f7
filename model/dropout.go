package model

import "math/rand/v2"

// dropoutStream separates the dropout masks' random streams from the
// initialisers' (rand.NewPCG(Seed, 0x1417)).
const dropoutStream = 0xd40f_0000_0000_0000

// DrawDropout draws the masks of the training path's dropout layers
// (Spec.InputDropout, Spec.Dropout) for the minibatch a training loop sets
// at step (counted from 0): layer i's mask comes from
// rand.NewPCG(Seed ^ (dropoutStream + i), step), example slot by example
// slot, so the masks are a pure function of the seed, the step and the slot
// and a resumed run draws the same ones without saving them. The masks stay
// until the next DrawDropout, so every evaluation of one step (line-search
// trials, a held minibatch) sees the same network. New draws the masks of
// step 0; without dropout DrawDropout does nothing.
func (m *Model) DrawDropout(step uint64) {
	for i, d := range m.dropouts {
		d.Draw(rand.New(rand.NewPCG(m.spec.Seed^(dropoutStream+uint64(i)), step)))
	}
}
