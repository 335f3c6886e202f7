// Package bounds states the valid values of a numeric setting once, in the
// package that owns the setting. Its Validate method reports a value outside
// them as an *Error naming the setting by its Go type and field
// ("SGD.Momentum"); package config, which reads the same setting under a key
// (optimizer.momentum), calls that Validate and reports each *Error under the
// key, so the range is checked in one place and stated in one wording.
package bounds

import (
	"fmt"
	"math"
)

// Interval is a range of valid numbers. An open end excludes its bound; an
// infinite bound is no bound. NaN is in no interval.
type Interval struct {
	Lo, Hi         float64
	LoOpen, HiOpen bool
}

// The common intervals.
var (
	Positive    = Interval{Lo: 0, Hi: math.Inf(1), LoOpen: true, HiOpen: true}
	NonNegative = Interval{Lo: 0, Hi: math.Inf(1), HiOpen: true}
	// Unit is [0, 1): a rate or a decay that may be 0 and must stay below 1.
	Unit = Interval{Lo: 0, Hi: 1, HiOpen: true}
	// Fraction is (0, 1]: a share that must be above 0 and may be 1.
	Fraction = Interval{Lo: 0, Hi: 1, LoOpen: true}
	// Open is (0, 1).
	Open = Interval{Lo: 0, Hi: 1, LoOpen: true, HiOpen: true}
)

// Contains reports whether x lies in r.
func (r Interval) Contains(x float64) bool {
	above := x > r.Lo || !r.LoOpen && x == r.Lo
	below := x < r.Hi || !r.HiOpen && x == r.Hi
	return above && below
}

// String writes r as "> 0", "≥ 0" or "in [0, 1)".
func (r Interval) String() string {
	if math.IsInf(r.Hi, 1) {
		if r.LoOpen {
			return fmt.Sprintf("> %v", r.Lo)
		}
		return fmt.Sprintf("≥ %v", r.Lo)
	}
	left, right := "[", "]"
	if r.LoOpen {
		left = "("
	}
	if r.HiOpen {
		right = ")"
	}
	return fmt.Sprintf("in %s%v, %v%s", left, r.Lo, r.Hi, right)
}

// Error is a setting holding a value it does not accept.
type Error struct {
	// Field names the setting as Go does, type and field: "SGD.Momentum".
	Field string
	// Value is the value refused.
	Value any
	// Want says what the setting accepts: "a number in [0, 1)".
	Want string
	// Problem, when set, says what is wrong instead of Value and Want, for
	// a setting refused because of another one: "true needs SGD.Momentum
	// > 0". It names the other settings by their Fields, so that a caller
	// that names settings otherwise can rename them.
	Problem string
	// Hint adds what Go callers should know, such as that 0 selects a
	// default; it is not part of Want because other callers may differ.
	Hint string
}

// Error writes "SGD.Momentum = 1.5; want a number in [0, 1)", or the field
// and its Problem, and the hint.
func (e *Error) Error() string {
	s := fmt.Sprintf("%s = %v; want %s", e.Field, e.Value, e.Want)
	if e.Problem != "" {
		s = e.Field + ": " + e.Problem
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Check returns an *Error naming field, with hint, when v lies outside r,
// and nil otherwise.
func Check(field string, v float64, r Interval, hint string) error {
	if r.Contains(v) {
		return nil
	}
	return &Error{Field: field, Value: v, Want: "a number " + r.String(), Hint: hint}
}

// Errors lists the *Errors within err, through wrapping and errors.Join, in
// order; other errors end up in rest, a wrapper whole when it holds no
// *Error.
func Errors(err error) (found []*Error, rest []error) {
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *Error:
			found = append(found, x)
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			// "pkg: %w" around a join holds every *Error of the join.
			f, r := Errors(x.Unwrap())
			if len(f) == 0 {
				rest = append(rest, err)
				return
			}
			found, rest = append(found, f...), append(rest, r...)
		default:
			rest = append(rest, err)
		}
	}
	walk(err)
	return found, rest
}
