// Package rundir is the layout of a run directory (runs/<name>/): the names
// of its files and the per-step CSV logs the loop and its hooks write
// (metrics.csv, activations.csv, landscape.csv) and reports read back. One
// writer makes every log survive an interruption and a resume alike, and one
// reader serves every CSV file the project writes.
package rundir

// Files of a run directory.
const (
	// ConfigFile is the resolved configuration of the run.
	ConfigFile = "config.yaml"
	// MetricsFile holds one row of Columns per evaluation.
	MetricsFile = "metrics.csv"
	// CheckpointFile holds everything needed to resume the run exactly, as
	// a NumPy archive (package checkpoint).
	CheckpointFile = "checkpoint.npz"
)
