package bounds

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestIntervalString(t *testing.T) {
	tests := []struct {
		r    Interval
		want string
	}{
		{Positive, "> 0"},
		{NonNegative, "≥ 0"},
		{Unit, "in [0, 1)"},
		{Fraction, "in (0, 1]"},
		{Open, "in (0, 1)"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if Unit.Contains(math.NaN()) || !Unit.Contains(0) || Unit.Contains(1) {
		t.Error("Unit must hold 0, not 1, not NaN")
	}
	if Positive.Contains(math.Inf(1)) || Positive.Contains(0) || !Positive.Contains(1e-300) {
		t.Error("Positive must hold 1e-300, not 0, not +Inf")
	}
}

func TestCheckAndErrors(t *testing.T) {
	if err := Check("A.X", 0.5, Unit, ""); err != nil {
		t.Errorf("Check(0.5 in [0, 1)) = %v, want nil", err)
	}
	bad := Check("A.X", 1, Unit, "0 for none")
	if got, want := bad.Error(), "A.X = 1; want a number in [0, 1) (0 for none)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	other := errors.New("other")
	joined := errors.Join(fmt.Errorf("pkg: %w", bad), other, Check("A.Y", -1, NonNegative, ""))
	found, rest := Errors(joined)
	if len(found) != 2 || found[0].Field != "A.X" || found[1].Field != "A.Y" || found[1].Want != "a number ≥ 0" || found[1].Value != -1.0 {
		t.Errorf("Errors found %+v, want A.X and A.Y", found)
	}
	if len(rest) != 1 || rest[0] != other {
		t.Errorf("Errors rest = %v, want [other]", rest)
	}
	// A package's prefix around a join hides none of the join's *Errors,
	// and a wrapper without one stays whole.
	wrapped := fmt.Errorf("pkg: %w", errors.Join(bad, Check("A.Y", -1, NonNegative, "")))
	other = fmt.Errorf("pkg: %w", errors.New("other"))
	found, rest = Errors(errors.Join(wrapped, other))
	if len(found) != 2 || found[0].Field != "A.X" || found[1].Field != "A.Y" {
		t.Errorf("Errors of a wrapped join found %+v, want A.X and A.Y", found)
	}
	if len(rest) != 1 || rest[0] != other {
		t.Errorf("Errors rest = %v, want [%v]", rest, other)
	}
}
