package config

import (
	"bytes"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Marshal writes c as YAML with every key that applies, defaults included,
// in the order of the schema: the resolved configuration a run directory
// stores. Keys that do not apply to their section's kind are left out, so
// that Load(Marshal(c)) gives back c for every valid c. Lists of numbers
// are written on one line.
func (c *Config) Marshal() ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return nil, fmt.Errorf("config: encode %q: %w", c.Name, err)
	}
	prune(&root, reflect.ValueOf(c).Elem())
	var buf bytes.Buffer
	buf.WriteString("# deepopt configuration, resolved: every key, defaults included.\n")
	encoder := yaml.NewEncoder(&buf)
	encoder.SetIndent(2)
	if err := encoder.Encode(&root); err != nil {
		return nil, fmt.Errorf("config: encode %q: %w", c.Name, err)
	}
	if err := encoder.Close(); err != nil {
		return nil, fmt.Errorf("config: encode %q: %w", c.Name, err)
	}
	return buf.Bytes(), nil
}

// prune removes from the encoded node of value the keys that do not apply to
// their section's kind, and puts lists of scalars in flow style.
func prune(node *yaml.Node, value reflect.Value) {
	switch value.Kind() {
	case reflect.Slice:
		if value.Type().Elem().Kind() != reflect.Struct {
			node.Style = yaml.FlowStyle
		}
		for i, element := range node.Content {
			prune(element, value.Index(i))
		}
	case reflect.Struct:
		fields := fieldsOf(value.Type())
		kind, kindValid := sectionKind(value)
		kept := node.Content[:0]
		for i := 0; i+1 < len(node.Content); i += 2 {
			f, _ := lookupField(fields, node.Content[i].Value)
			if kindValid && !f.appliesTo(kind) {
				continue
			}
			prune(node.Content[i+1], value.Field(f.index))
			kept = append(kept, node.Content[i], node.Content[i+1])
		}
		node.Content = kept
	}
}
