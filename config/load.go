package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"deepopt/internal/regularfile"

	"gopkg.in/yaml.v3"
)

// Load reads the YAML configuration at path, applies the --set overrides in
// order (each "dotted.key=value", the value parsed as YAML), and returns the
// resulting Config on top of Default, validated. Name defaults to the file's
// name without its extension.
//
// A missing, unreadable or empty file, one that is not a regular file (a
// FIFO, which would otherwise block, or a folder) and a YAML syntax error
// are reported alone. Otherwise every problem is reported at once in an
// *Error: unknown keys (with a suggestion), repeated keys, values of the
// wrong type, keys that do not apply to their section's kind, and invalid
// values (see Validate), each as a *FieldError with the line of the value,
// or with the --set argument it came from.
func Load(path string, sets []string) (*Config, error) {
	text, err := regularfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return load(path, text, sets)
}

// load is Load of text, the contents of the file path.
func load(path string, text []byte, sets []string) (*Config, error) {
	root, err := parse(path, text)
	if err != nil {
		return nil, err
	}
	origin := map[*yaml.Node]string{}
	c := &checker{origin: origin}
	for _, set := range sets {
		if problem := applySet(root, set, origin); problem != nil {
			c.problems = append(c.problems, problem)
		}
	}
	cfg := Default()
	cfg.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	decodeErr := root.Decode(&cfg)
	c.check(root, reflect.ValueOf(&cfg).Elem(), "")
	if len(c.problems) == 0 && decodeErr != nil {
		// The walk accepted what yaml.v3 rejected: report yaml.v3's words.
		return nil, fmt.Errorf("config %s: %w", path, decodeErr)
	}
	var invalid *Error
	if errors.As(cfg.Validate(), &invalid) {
		for _, p := range invalid.Problems {
			if reported(c.problems, p.Key) {
				continue // one problem per key: the value is a default stand-in
			}
			c.problems = append(c.problems, locate(lookup(root, p.Key), p.Key, p.Problem, origin))
		}
	}
	if err := c.problems.err(path); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// parse parses text, the contents of the config file path, into the node of
// its top-level mapping.
func parse(path string, text []byte) (*yaml.Node, error) {
	decoder := yaml.NewDecoder(bytes.NewReader(text))
	var doc yaml.Node
	err := decoder.Decode(&doc)
	if errors.Is(err, io.EOF) || err == nil && (len(doc.Content) == 0 || isNull(doc.Content[0])) {
		return nil, fmt.Errorf("config %s: the file is empty; give at least one key (e.g. `train: {steps: 1000}`), or start from a file in configs/", path)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: YAML syntax error: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var next yaml.Node
	switch err := decoder.Decode(&next); {
	case err == nil:
		return nil, fmt.Errorf("config %s: line %d: a second YAML document begins here; want one document (remove the `---` separator)", path, next.Line)
	case !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("config %s: YAML syntax error: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config %s: line %d: want a mapping of keys (%s), got %s",
			path, root.Line, strings.Join(fieldNames(fieldsOf(reflect.TypeFor[Config]())), ", "), describeNode(root))
	}
	return root, nil
}

// lookup finds the node of the value at a dotted key path, or nil when the
// file does not give it.
func lookup(root *yaml.Node, key string) *yaml.Node {
	node := root
	for _, segment := range strings.Split(key, ".") {
		if node.Kind == yaml.AliasNode {
			node = node.Alias
		}
		switch node.Kind {
		case yaml.MappingNode:
			node = mappingValue(node, segment)
		case yaml.SequenceNode:
			index, err := strconv.Atoi(segment)
			if err != nil || index < 0 || index >= len(node.Content) {
				return nil
			}
			node = node.Content[index]
		default:
			node = nil
		}
		if node == nil {
			return nil
		}
	}
	return node
}

// reported reports whether problems already holds one about key.
func reported(problems problems, key string) bool {
	for _, p := range problems {
		if p.Key == key {
			return true
		}
	}
	return false
}
