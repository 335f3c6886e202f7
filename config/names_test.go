package config

import (
	"reflect"
	"slices"
	"testing"

	"deepopt/internal/names"
	"deepopt/layers"
	"deepopt/model"
)

// TestChoicesAreTheLibrarysNames keeps the model section's choices equal to
// the names the model package accepts, so that a value the config admits is
// one the model builds, and the reverse.
func TestChoicesAreTheLibrarysNames(t *testing.T) {
	want := map[string][]string{
		"kind":       names.Strings(model.Kinds()),
		"activation": names.Strings(layers.ActivationKinds()),
		"init":       names.Strings(model.Inits()),
	}
	for key, names := range want {
		f, ok := lookupField(fieldsOf(reflect.TypeOf(Model{})), key)
		if !ok || !slices.Equal(f.choices, names) {
			t.Errorf("model.%s choices %v, the library's names %v", key, f.choices, names)
		}
	}
}
