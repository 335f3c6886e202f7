package config

import (
	"reflect"
	"slices"
	"strings"
)

// field is one key of a configuration section, as Config's struct tags
// declare it.
type field struct {
	// name is the YAML key.
	name string
	// index is the position of the Go field in its struct.
	index int
	// typ is the Go type of the value.
	typ reflect.Type
	// choices are the valid values of a string key; nil allows any.
	choices []string
	// kinds are the values of the section's kind key this key applies to;
	// nil means every kind.
	kinds []string
}

// kindKey is the key whose value selects which kinds-tagged keys of a
// section apply.
const kindKey = "kind"

// fieldsOf lists the keys of a section type in declaration order.
func fieldsOf(t reflect.Type) []field {
	fields := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		fields = append(fields, field{
			name:    name,
			index:   i,
			typ:     sf.Type,
			choices: splitTag(sf.Tag.Get("choices")),
			kinds:   splitTag(sf.Tag.Get("kinds")),
		})
	}
	return fields
}

// splitTag splits a "a|b|c" tag value; an empty tag gives nil.
func splitTag(tag string) []string {
	if tag == "" {
		return nil
	}
	return strings.Split(tag, "|")
}

// lookupField finds the key name among fields.
func lookupField(fields []field, name string) (field, bool) {
	i := slices.IndexFunc(fields, func(f field) bool { return f.name == name })
	if i < 0 {
		return field{}, false
	}
	return fields[i], true
}

// fieldNames lists the keys of fields.
func fieldNames(fields []field) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

// appliesTo reports whether f applies to a section whose kind is kind.
func (f field) appliesTo(kind string) bool {
	return f.kinds == nil || slices.Contains(f.kinds, kind)
}

// sectionKind returns the kind of the section value v and whether it is one
// of the kind key's valid choices; sections without a kind key give false.
func sectionKind(v reflect.Value) (string, bool) {
	kind, ok := lookupField(fieldsOf(v.Type()), kindKey)
	if !ok {
		return "", false
	}
	value := v.Field(kind.index).String()
	return value, slices.Contains(kind.choices, value)
}

// join joins a dotted key path; the root has the empty path.
func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// sectionPaths lists the dotted paths of every section (struct-valued key)
// that declares a key named name, except within parent.
func sectionPaths(t reflect.Type, path, name, parent string) []string {
	var found []string
	for _, f := range fieldsOf(t) {
		if f.name == name && path != parent {
			found = append(found, join(path, name))
		}
		if f.typ.Kind() == reflect.Struct {
			found = append(found, sectionPaths(f.typ, join(path, f.name), name, parent)...)
		}
	}
	return found
}

// describeType names what a value of type t must look like, for messages.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "a mapping with keys " + strings.Join(fieldNames(fieldsOf(t)), ", ")
	default:
		return t.String()
	}
}
