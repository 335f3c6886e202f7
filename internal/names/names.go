// Package names converts the typed names of the library's choices (network
// kinds, activations, initialisers) to strings, for messages and for checking
// them against the configuration's choices.
package names

// Strings returns typed names as strings, in order.
func Strings[S ~string](typed []S) []string {
	out := make([]string, len(typed))
	for i, s := range typed {
		out[i] = string(s)
	}
	return out
}
