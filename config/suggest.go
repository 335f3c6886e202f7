package config

import (
	"fmt"
	"reflect"
	"strings"
)

// editDistance is the optimal string alignment distance between a and b:
// the least number of single-character insertions, deletions, substitutions
// and transpositions of adjacent characters that turn a into b (Damerau
// 1964, without editing a substring twice). Transpositions count once
// because "stpes" for "steps" is the commonest typo.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// d[i][j] is the distance between s[:i] and t[:j].
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}

// Closest returns the candidate nearest to word, if one is near enough to be
// a plausible misspelling: at most one edit per three characters of word
// (at least one edit, at most three), ties going to the earlier candidate.
// The CLI suggests flags with it as the config suggests keys.
func Closest(word string, candidates []string) (string, bool) {
	limit := min(max(len([]rune(word))/3, 1), 3)
	best, bestDistance := "", limit+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), c); d < bestDistance {
			best, bestDistance = c, d
		}
	}
	return best, best != ""
}

// unknownKeyProblem explains that section (a dotted path, "" for the top
// level) has no key name: it suggests a close key, or the section where name
// belongs, and lists the valid keys.
func unknownKeyProblem(section string, fields []field, name string) string {
	names := fieldNames(fields)
	where := "valid keys in " + section
	if section == "" {
		where = "valid top-level keys"
	}
	list := fmt.Sprintf("%s: %s", where, strings.Join(names, ", "))
	if guess, ok := Closest(name, names); ok {
		return fmt.Sprintf("unknown key %q; did you mean %q? %s", name, guess, list)
	}
	if elsewhere := sectionPaths(reflect.TypeFor[Config](), "", name, section); len(elsewhere) > 0 {
		return fmt.Sprintf("unknown key %q here; it belongs at %s. %s", name, strings.Join(elsewhere, " or "), list)
	}
	return fmt.Sprintf("unknown key %q; %s", name, list)
}

// choiceProblem explains that value is not among choices, with a suggestion
// when one is close.
func choiceProblem(value string, choices []string) string {
	msg := fmt.Sprintf("want one of %s; got %q", strings.Join(choices, ", "), value)
	if guess, ok := Closest(value, choices); ok {
		msg += fmt.Sprintf(" (did you mean %q?)", guess)
	}
	return msg
}

// Keys lists the dotted path of every key of a configuration that holds a
// value (not a section), in declaration order: what --set can change.
func Keys() []string { return leafPaths(reflect.TypeFor[Config](), "") }

func leafPaths(t reflect.Type, path string) []string {
	var paths []string
	for _, f := range fieldsOf(t) {
		if f.typ.Kind() == reflect.Struct {
			paths = append(paths, leafPaths(f.typ, join(path, f.name))...)
		} else {
			paths = append(paths, join(path, f.name))
		}
	}
	return paths
}
