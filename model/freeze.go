package model

import (
	"fmt"
	"path"
	"strings"
)

// Trainable returns the coordinates of θ that remain trainable when the
// parameter tensors whose names match one of the freeze globs ("fc1.*",
// "bn1.*"; path.Match syntax over the names of Blocks) are frozen: the
// trainable list of an optim.View, in increasing order. Nil freeze returns
// nil, meaning every coordinate. A glob that matches no parameter, a
// malformed glob, and globs that freeze every parameter are refused, naming
// the parameters there are.
func (m *Model) Trainable(freeze []string) ([]int, error) {
	if len(freeze) == 0 {
		return nil, nil
	}
	frozen := make([]bool, len(m.blocks))
	for _, glob := range freeze {
		matched := false
		for i, b := range m.blocks {
			ok, err := path.Match(glob, b.Name)
			if err != nil {
				return nil, fmt.Errorf("train.freeze: %q is not a valid glob (%v); write globs such as fc1.* or bn1.gamma", glob, err)
			}
			if ok {
				frozen[i], matched = true, true
			}
		}
		if !matched {
			return nil, fmt.Errorf("train.freeze: %q matches no parameter; the model's parameters are %s", glob, m.paramNames())
		}
	}
	var trainable []int
	for i, b := range m.blocks {
		if !frozen[i] {
			for j := b.Start; j < b.End; j++ {
				trainable = append(trainable, j)
			}
		}
	}
	if trainable == nil {
		return nil, fmt.Errorf("train.freeze: %v freezes every parameter (%s), leaving nothing to train; leave at least one parameter out of train.freeze", freeze, m.paramNames())
	}
	return trainable, nil
}

// paramNames lists the names of the parameter tensors, comma-separated.
func (m *Model) paramNames() string {
	names := make([]string, len(m.blocks))
	for i, b := range m.blocks {
		names[i] = b.Name
	}
	return strings.Join(names, ", ")
}
