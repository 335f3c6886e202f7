package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// checker walks a YAML node tree against Config's schema and records every
// unknown or repeated key, every value of the wrong type and every key that
// does not apply to its section's kind, each with the line the parser gave
// it. yaml.v3's own strict mode stops at type errors without naming the key,
// which is why the walk is ours.
type checker struct {
	// origin maps nodes that came from --set to their argument.
	origin   map[*yaml.Node]string
	problems problems
}

// at records a problem of key located at node.
func (c *checker) at(node *yaml.Node, key, format string, args ...any) {
	c.problems = append(c.problems, locate(node, key, fmt.Sprintf(format, args...), c.origin))
}

// locate makes a FieldError of key at node: with its line, or with the --set
// argument it came from.
func locate(node *yaml.Node, key, problem string, origin map[*yaml.Node]string) *FieldError {
	e := &FieldError{Key: key, Problem: problem}
	if node == nil {
		return e
	}
	if set, ok := origin[node]; ok {
		e.Set = set
	} else {
		e.Line = node.Line
	}
	return e
}

// check walks node, the YAML of the value at key (a dotted path), against
// value, the same key of the decoded Config (which supplies the section
// kinds that decide which keys apply).
func (c *checker) check(node *yaml.Node, value reflect.Value, key string) {
	if node.Kind == yaml.AliasNode {
		node = node.Alias
	}
	switch value.Kind() {
	case reflect.Struct:
		c.checkSection(node, value, key)
	case reflect.Slice:
		c.checkList(node, value, key)
	default:
		c.checkScalar(node, value.Type(), key)
	}
}

// checkSection checks a mapping against the section type of value. A null
// (an empty section, e.g. every key commented out) keeps the defaults.
func (c *checker) checkSection(node *yaml.Node, value reflect.Value, key string) {
	if isNull(node) {
		return
	}
	t := value.Type()
	if node.Kind != yaml.MappingNode {
		c.at(node, key, "want %s, got %s", describeType(t), describeNode(node))
		return
	}
	fields := fieldsOf(t)
	kind, kindValid := sectionKind(value)
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		keyNode, valueNode := node.Content[i], node.Content[i+1]
		name := keyNode.Value
		path := join(key, name)
		f, ok := lookupField(fields, name)
		if !ok {
			c.at(keyNode, path, "%s", unknownKeyProblem(key, fields, name))
			continue
		}
		if first, repeated := seen[name]; repeated {
			c.at(keyNode, path, "repeated key (first given at line %d); keep one", first)
			continue
		}
		seen[name] = keyNode.Line
		if kindValid && !f.appliesTo(kind) {
			c.at(keyNode, path, "applies only to %s %s, not %s; remove it or set %s: %s",
				join(key, kindKey), strings.Join(f.kinds, " or "), kind, join(key, kindKey), f.kinds[0])
			continue
		}
		c.check(valueNode, value.Field(f.index), path)
	}
}

// checkList checks a sequence element by element.
func (c *checker) checkList(node *yaml.Node, value reflect.Value, key string) {
	if node.Kind != yaml.SequenceNode {
		c.at(node, key, "want %s of %s, got %s%s", describeType(value.Type()), plural(value.Type().Elem()), describeNode(node), emptyHint(node, "[]"))
		return
	}
	for i, element := range node.Content {
		v := reflect.New(value.Type().Elem()).Elem()
		if i < value.Len() {
			v = value.Index(i)
		}
		c.check(element, v, join(key, strconv.Itoa(i)))
	}
}

// checkScalar checks that node decodes to type t exactly: integers must be
// whole (yaml.v3 would truncate 1.5 to 1), and null is no number.
func (c *checker) checkScalar(node *yaml.Node, t reflect.Type, key string) {
	want := describeType(t)
	if node.Kind != yaml.ScalarNode || isNull(node) {
		hint := ""
		if t.Kind() == reflect.String {
			hint = emptyHint(node, `""`)
		}
		c.at(node, key, "want %s, got %s%s", want, describeNode(node), hint)
		return
	}
	target := reflect.New(t)
	err := node.Decode(target.Interface())
	if err == nil && node.ShortTag() == "!!float" && t.Kind() != reflect.Float32 && t.Kind() != reflect.Float64 {
		// A float into an integer field: yaml.v3 truncates it.
		f, perr := strconv.ParseFloat(strings.ReplaceAll(node.Value, "_", ""), 64)
		if perr != nil || f != math.Trunc(f) {
			err = fmt.Errorf("%q is not whole", node.Value)
		}
	}
	if err != nil {
		hint := ""
		if node.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			hint = " (quotes make a string; remove them)"
		}
		c.at(node, key, "want %s, got %q%s", want, node.Value, hint)
	}
}

// isNull reports whether node is YAML's null (an empty value, ~ or null).
func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null"
}

// describeNode names what node holds, for messages.
func describeNode(node *yaml.Node) string {
	switch {
	case isNull(node):
		return "an empty value"
	case node.Kind == yaml.MappingNode:
		return "a mapping"
	case node.Kind == yaml.SequenceNode:
		return "a list"
	default:
		return strconv.Quote(node.Value)
	}
}

// emptyHint tells how to write an empty value of a type when node is null.
func emptyHint(node *yaml.Node, empty string) string {
	if isNull(node) {
		return "; write " + empty + " for an empty one"
	}
	return ""
}

// plural names the elements of a list of t.
func plural(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "integers"
	case reflect.Struct:
		return "mappings"
	default:
		return t.String()
	}
}
