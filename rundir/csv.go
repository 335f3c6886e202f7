package rundir

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"deepopt/internal/atomicfile"
)

// PrepareCSV makes path ready for appending rows of columns whose first
// column is the step, so that every per-step log of a run directory
// (metrics.csv, a probe's CSV) survives an interruption and a resume alike. A
// new file gets the header. An existing one (a resumed run) keeps its rows up
// to and including step keepThrough and drops later ones (the resumed run
// replays them identically) and a partial last line, atomically, returning
// how many rows it dropped. A header other than columns is an error: the
// file belongs to another kind of run. So is a malformed or blank line among
// the rows it keeps, named by its line number: those rows are the run's
// record, and none is deleted to make room.
func PrepareCSV(path string, columns []string, keepThrough int) (dropped int, err error) {
	header := strings.Join(columns, ",") + "\n"
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return 0, atomicfile.Write(path, func(w io.Writer) error {
			_, err := io.WriteString(w, header)
			return err
		})
	case err != nil:
		return 0, err
	}
	kept, dropped, err := keepRows(old, header, len(columns), keepThrough)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return dropped, atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(kept)
		return err
	})
}

// AppendCSV appends one row to a file PrepareCSV made ready, opening and
// closing it: for logs written now and then, which need no open file
// between writes. The row is written by a single write call.
func AppendCSV(path string, fields []string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, strings.Join(fields, ",")+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// keepRows returns the header and the rows of old up to step keepThrough,
// and the number of rows dropped after it. A line that is not a row (wrong
// number of fields, no step, blank) is dropped when it lies among the
// dropped rows or at the end, where an interrupted write leaves one, and is
// an error when a kept row follows it.
func keepRows(old []byte, header string, columns, keepThrough int) ([]byte, int, error) {
	lines := strings.Split(string(old), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the newline that ends the last line
	}
	if len(lines) == 0 {
		return []byte(header), 0, nil
	}
	if lines[0]+"\n" != header {
		return nil, 0, fmt.Errorf("header %q differs from %q; move the file away or start a new run", lines[0], strings.TrimSpace(header))
	}
	steps := make([]int, len(lines)) // each row's step; -1 for a line that is no row
	lastKept := 0                    // index of the last row kept
	for i := 1; i < len(lines); i++ {
		stepField, _, _ := strings.Cut(lines[i], ",")
		step, err := strconv.Atoi(stepField)
		if err != nil || strings.Count(lines[i], ",") != columns-1 {
			steps[i] = -1
			continue
		}
		steps[i] = step
		if step <= keepThrough {
			lastKept = i
		}
	}
	out := []byte(header)
	dropped := 0
	for i := 1; i < len(lines); i++ {
		switch {
		case steps[i] < 0 && i < lastKept:
			return nil, 0, fmt.Errorf("line %d, %q, is not a row of %d columns, and rows up to step %d that the resume keeps follow it; correct or delete the line, then resume again", i+1, lines[i], columns, keepThrough)
		case steps[i] >= 0 && steps[i] <= keepThrough:
			out = append(append(out, lines[i]...), '\n')
		case steps[i] >= 0:
			dropped++
		}
	}
	return out, dropped, nil
}

// WriteCSV writes a CSV file whole, atomically: the header, then the rows,
// in the encoding ReadCSV reads (a field holding a comma, a quote or a line
// break, or starting with a space, is quoted). Fields of names and numbers
// are written as they are, as AppendCSV writes them.
func WriteCSV(path string, header []string, rows [][]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		return cw.WriteAll(rows)
	})
}

// Table is a CSV file read whole: its header and its rows, every row as
// long as the header.
type Table struct {
	Path   string
	Header []string
	Rows   [][]string
}

// ReadCSV reads the CSV file at path. A row whose length differs from the
// header's is an error naming its line.
func ReadCSV(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("%s is empty; it holds not even a header", path)
	}
	return &Table{Path: path, Header: records[0], Rows: records[1:]}, nil
}

// Column returns the index of the named column, or an error listing the
// columns there are.
func (t *Table) Column(name string) (int, error) {
	i := slices.Index(t.Header, name)
	if i < 0 {
		return 0, fmt.Errorf("%s has no column %q (columns: %v)", t.Path, name, t.Header)
	}
	return i, nil
}

// Floats returns the named columns, as numbers, of the rows keep accepts
// (every row when keep is nil). A field that is not a number is an error
// naming its line and column.
func (t *Table) Floats(keep func(row []string) bool, names ...string) ([][]float64, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		var err error
		if idx[i], err = t.Column(n); err != nil {
			return nil, err
		}
	}
	out := make([][]float64, len(names))
	for r, row := range t.Rows {
		if keep != nil && !keep(row) {
			continue
		}
		for i, c := range idx {
			v, err := strconv.ParseFloat(row[c], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: %s: %w", t.Path, r+2, names[i], err)
			}
			out[i] = append(out[i], v)
		}
	}
	return out, nil
}
