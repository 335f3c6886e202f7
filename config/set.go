package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// applySet applies one --set argument, "dotted.key=value", to the YAML tree
// root: the value is parsed as YAML (so lists, numbers and booleans work) and
// replaces or adds the key. The path is checked against the schema, not
// against the file, so a valid key the file leaves out can be set. Nodes
// that come from the argument are recorded in origin so that problems with
// them name the argument instead of a line.
func applySet(root *yaml.Node, arg string, origin map[*yaml.Node]string) *FieldError {
	key, text, ok := strings.Cut(arg, "=")
	if !ok || key == "" {
		return &FieldError{Key: arg, Set: arg, Problem: "want key=value, e.g. --set train.steps=3000"}
	}
	fail := func(format string, args ...any) *FieldError {
		return &FieldError{Key: key, Set: arg, Problem: fmt.Sprintf(format, args...)}
	}
	value, err := parseValue(text)
	if err != nil {
		return fail("value %q is not valid YAML (%v); quote strings with special characters", text, err)
	}
	mark(value, arg, origin)

	node, t, path := root, reflect.TypeFor[Config](), ""
	segments := strings.Split(key, ".")
	for i, segment := range segments {
		last := i == len(segments)-1
		switch t.Kind() {
		case reflect.Struct:
			fields := fieldsOf(t)
			f, ok := lookupField(fields, segment)
			if !ok {
				problem := fail("%s", unknownKeyProblem(path, fields, segment))
				problem.Key = join(path, segment)
				return problem
			}
			if node.Kind != yaml.MappingNode {
				// A null or wrongly typed section in the file: the --set
				// overrides it.
				*node = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			child := mappingValue(node, segment)
			switch {
			case child == nil && (last || f.typ.Kind() == reflect.Struct):
				keyNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: segment}
				origin[keyNode] = arg
				child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				origin[child] = arg
				node.Content = append(node.Content, keyNode, child)
			case child == nil:
				return fail("%s is not in the file, so it has no entry %s; set the whole list instead, e.g. --set %s=[...]",
					join(path, segment), segments[i+1], join(path, segment))
			}
			node, t, path = child, f.typ, join(path, segment)
		case reflect.Slice:
			index, err := strconv.Atoi(segment)
			if node.Kind == yaml.AliasNode {
				node = node.Alias
			}
			if node.Kind != yaml.SequenceNode {
				return fail("%s is not a list in the file; set the whole list instead, e.g. --set %s=[...]", path, path)
			}
			if err != nil || index < 0 || index >= len(node.Content) {
				return fail("%s has %d entries; want an index from 0 to %d, got %q (or set the whole list: --set %s=[...])",
					path, len(node.Content), len(node.Content)-1, segment, path)
			}
			node, t, path = node.Content[index], t.Elem(), join(path, segment)
		default:
			return fail("%s is %s, not a section: it has no key %q", path, describeType(t), segment)
		}
		if last {
			*node = *value
			origin[node] = arg
		}
	}
	return nil
}

// parseValue parses the value of a --set argument as one YAML node; the
// empty value is the empty string.
func parseValue(text string) (*yaml.Node, error) {
	if text == "" {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) != 1 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}, nil
	}
	return doc.Content[0], nil
}

// mark records that node and everything below it came from the --set
// argument arg, and clears their line numbers, which count lines of arg,
// not of the file.
func mark(node *yaml.Node, arg string, origin map[*yaml.Node]string) {
	node.Line, node.Column = 0, 0
	origin[node] = arg
	for _, child := range node.Content {
		mark(child, arg, origin)
	}
}

// mappingValue returns the value of key in the mapping node, the last one
// when the key repeats (as YAML decoders keep the last), or nil.
func mappingValue(node *yaml.Node, key string) *yaml.Node {
	var value *yaml.Node
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			value = node.Content[i+1]
		}
	}
	return value
}
