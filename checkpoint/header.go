package checkpoint

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseHeader reads the Python dict literal of a .npy header, as NumPy
// writes it or close to it (any order of keys, any spacing, either quote):
// exactly the keys descr, fortran_order and shape, with descr '<f8',
// '<i8' or '<U<n>', fortran_order False and shape a tuple of non-negative integers.
func parseHeader(header string) (*array, error) {
	p := &literalParser{text: header}
	p.skipSpace()
	if !p.accept('{') {
		return nil, errors.New("want a Python dict starting with {")
	}
	seen := map[string]bool{}
	arr := &array{}
	for {
		p.skipSpace()
		if p.accept('}') {
			break
		}
		key, err := p.string()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q repeats", key)
		}
		seen[key] = true
		p.skipSpace()
		if !p.accept(':') {
			return nil, fmt.Errorf("want : after key %q", key)
		}
		p.skipSpace()
		switch key {
		case "descr":
			descr, err := p.string()
			if err != nil {
				return nil, fmt.Errorf("descr: %w", err)
			}
			arr.dtype = dtype(descr)
			if arr.dtype != float64Type && arr.dtype != int64Type && arr.dtype.runes() == 0 {
				return nil, fmt.Errorf("descr %q is not supported; want '<f8' (float64), '<i8' (int64) or '<U<n>' (str, n ≤ %d); convert with numpy's astype", descr, maxRunes)
			}
		case "fortran_order":
			word := p.word()
			switch word {
			case "False":
			case "True":
				return nil, errors.New("fortran_order True is not supported; save the array in C order (numpy.ascontiguousarray)")
			default:
				return nil, fmt.Errorf("fortran_order: want False, got %q", word)
			}
		case "shape":
			if arr.shape, err = p.tuple(); err != nil {
				return nil, fmt.Errorf("shape: %w", err)
			}
		default:
			return nil, fmt.Errorf("unexpected key %q; want descr, fortran_order and shape", key)
		}
		p.skipSpace()
		if !p.accept(',') {
			p.skipSpace()
			if !p.accept('}') {
				return nil, fmt.Errorf("want , or } after the value of %q", key)
			}
			break
		}
	}
	if rest := strings.TrimRight(p.text[p.pos:], " \n"); rest != "" {
		return nil, fmt.Errorf("unexpected %q after the dict", rest)
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if !seen[key] {
			return nil, fmt.Errorf("key %q is missing", key)
		}
	}
	return arr, nil
}

// literalParser reads the few Python literals a .npy header uses.
type literalParser struct {
	text string
	pos  int
}

// skipSpace skips blanks.
func (p *literalParser) skipSpace() {
	for p.pos < len(p.text) && strings.IndexByte(" \t\n", p.text[p.pos]) >= 0 {
		p.pos++
	}
}

// accept consumes c if it comes next.
func (p *literalParser) accept(c byte) bool {
	if p.pos < len(p.text) && p.text[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// string reads a quoted string without escapes.
func (p *literalParser) string() (string, error) {
	if p.pos >= len(p.text) || (p.text[p.pos] != '\'' && p.text[p.pos] != '"') {
		return "", errors.New("want a quoted string")
	}
	quote := p.text[p.pos]
	end := strings.IndexByte(p.text[p.pos+1:], quote)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	s := p.text[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return s, nil
}

// word reads a run of letters, digits and underscores.
func (p *literalParser) word() string {
	start := p.pos
	for p.pos < len(p.text) {
		c := p.text[p.pos]
		if !(c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			break
		}
		p.pos++
	}
	return p.text[start:p.pos]
}

// tuple reads a tuple of non-negative integers: (), (3,) or (2, 3).
func (p *literalParser) tuple() ([]int, error) {
	if !p.accept('(') {
		return nil, errors.New("want a tuple such as (2, 3)")
	}
	dims := []int{}
	for {
		p.skipSpace()
		if p.accept(')') {
			return dims, nil
		}
		word := p.word()
		n, err := strconv.Atoi(strings.TrimSuffix(word, "L")) // Python 2 wrote 3L
		if err != nil || n < 0 {
			return nil, fmt.Errorf("want a non-negative integer, got %q", word)
		}
		dims = append(dims, n)
		p.skipSpace()
		if !p.accept(',') {
			p.skipSpace()
			if !p.accept(')') {
				return nil, errors.New("want , or ) in the tuple")
			}
			if len(dims) == 1 {
				// (3) is the integer 3 in Python, not a tuple.
				return nil, errors.New("a one-element tuple needs a trailing comma, e.g. (3,)")
			}
			return dims, nil
		}
	}
}
