package batchnorm

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Keys of State: the running statistics and the batch count.
const (
	StateMean     = "running_mean"
	StateVariance = "running_var"
	StateCount    = "count"
)

// State returns copies of everything the running statistics depend on, for
// checkpoints: StateMean and StateVariance (C values each) and StateCount (one
// value, the batch count that UpdateAverage continues from). Keys carry no
// layer name; a model prefixes them with Name.
func (b *BatchNorm) State() map[string][]float64 {
	return map[string][]float64{
		StateMean:     slices.Clone(b.runningMean),
		StateVariance: slices.Clone(b.runningVariance),
		StateCount:    {float64(b.count)},
	}
}

// SetState restores a State of a layer with the same number of channels. All
// three keys must be present and no other; the count must be a non-negative
// integer. On error the layer is unchanged.
func (b *BatchNorm) SetState(state map[string][]float64) error {
	var unknown []string
	for k := range state {
		if k != StateMean && k != StateVariance && k != StateCount {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("batchnorm: %s: unknown state keys %s; want %s, %s and %s", b.name, strings.Join(unknown, ", "), StateMean, StateVariance, StateCount)
	}
	for _, k := range []string{StateMean, StateVariance, StateCount} {
		if _, ok := state[k]; !ok {
			return fmt.Errorf("batchnorm: %s: state lacks %q; want %s, %s and %s", b.name, k, StateMean, StateVariance, StateCount)
		}
	}
	count := state[StateCount]
	if len(count) != 1 || !(count[0] >= 0) || count[0] != math.Trunc(count[0]) || count[0] > 1<<53 {
		return fmt.Errorf("batchnorm: %s: state %q is %v; want one non-negative integer", b.name, StateCount, count)
	}
	if err := b.SetRunning(state[StateMean], state[StateVariance]); err != nil {
		return err
	}
	b.count = int(count[0])
	return nil
}
