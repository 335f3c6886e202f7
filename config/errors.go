package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one configuration key.
type FieldError struct {
	// Key is the dotted path of the key, e.g. "train.steps" or
	// "model.conv.1.kernel".
	Key string
	// Line is the 1-based line of the value in the config file; 0 when the
	// value came from --set, from a default, or from a Config built in Go.
	Line int
	// Set is the --set argument the value came from, if any.
	Set string
	// Problem says what is wrong and what would be right, e.g. `want an
	// integer, got "abc"`.
	Problem string
}

// Error formats the problem as "line 12: train.steps: want an integer, got
// "abc"".
func (e *FieldError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Key, e.Problem)
	case e.Set != "":
		return fmt.Sprintf("%s (from --set %s): %s", e.Key, e.Set, e.Problem)
	default:
		return fmt.Sprintf("%s: %s", e.Key, e.Problem)
	}
}

// Error lists every problem found in one configuration, so that a user fixes
// them all in one go.
type Error struct {
	// Path is the config file; "" for a Config validated in Go.
	Path string
	// Problems are in the order of the file (schema problems), then of the
	// schema (value problems).
	Problems []*FieldError
}

// Error formats one problem on one line and several problems one per line
// under a count.
func (e *Error) Error() string {
	prefix := "config"
	if e.Path != "" {
		prefix = "config " + e.Path
	}
	if len(e.Problems) == 1 {
		return prefix + ": " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", prefix, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap gives the problems to errors.As and errors.Is.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// problems collects FieldErrors; its zero value is ready to use.
type problems []*FieldError

// add records a problem of key; the format follows fmt.Sprintf.
func (p *problems) add(key string, format string, args ...any) {
	*p = append(*p, &FieldError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

// err returns the problems as an *Error of path, or nil when there are none.
func (p problems) err(path string) error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Path: path, Problems: p}
}
