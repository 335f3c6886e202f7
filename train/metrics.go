package train

import (
	"io"
	"os"
	"strings"

	"deepopt/rundir"
)

// metricsFile appends rows to metrics.csv, one complete line per write.
type metricsFile struct {
	f *os.File
}

// openMetrics opens metrics.csv for appending after rundir.PrepareCSV.
func openMetrics(path string, keepThrough int) (*metricsFile, error) {
	if err := rundir.PrepareCSV(path, rundir.Columns, keepThrough); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return &metricsFile{f: f}, nil
}

func (m *metricsFile) write(r rundir.Row) error {
	_, err := io.WriteString(m.f, strings.Join(r.Fields(), ",")+"\n")
	return err
}

func (m *metricsFile) Close() error { return m.f.Close() }
