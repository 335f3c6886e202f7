package rundir

import (
	"encoding/csv"
	"io"

	"deepopt/internal/atomicfile"
)

// WriteCSV writes a whole table (a reproduction's results, written once)
// to path atomically: the header of columns, then rows, each as long as
// columns. ReadCSV reads it back.
func WriteCSV(path string, columns []string, rows [][]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		c := csv.NewWriter(w)
		if err := c.Write(columns); err != nil {
			return err
		}
		if err := c.WriteAll(rows); err != nil {
			return err
		}
		return c.Error()
	})
}
