package model

import (
	"fmt"

	"deepopt/optim"
)

// Spec returns the model's specification.
func (m *Model) Spec() Spec { return m.spec }

// Blocks returns one named block of θ per parameter tensor ("fc1.W", ...), in
// θ's order: the parameter groups of block coordinate descent and the keys of
// checkpoints.
func (m *Model) Blocks() []optim.Block { return append([]optim.Block(nil), m.blocks...) }

// ParamShape returns the shape of the named parameter tensor, nil if none.
func (m *Model) ParamShape(name string) []int {
	for _, p := range m.params {
		if p.Name() == name {
			return p.Shape().Clone()
		}
	}
	return nil
}

// BNState returns the running statistics of every BN layer, keyed
// "<layer>.<statistic>".
func (m *Model) BNState() map[string][]float64 {
	out := map[string][]float64{}
	for _, bn := range m.bns {
		for k, v := range bn.State() {
			out[bn.Name()+"."+k] = v
		}
	}
	return out
}

// SetBNState restores statistics returned by BNState.
func (m *Model) SetBNState(state map[string][]float64) error {
	for _, bn := range m.bns {
		own := map[string][]float64{}
		prefix := bn.Name() + "."
		for k, v := range state {
			if len(k) > len(prefix) && k[:len(prefix)] == prefix {
				own[k[len(prefix):]] = v
			}
		}
		if err := bn.SetState(own); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	return nil
}
