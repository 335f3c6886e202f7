package repro

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"deepopt/internal/atomicfile"
	"deepopt/plots"
	"deepopt/rundir"
	"deepopt/stage"
)

// JoinInts joins integers, such as seeds, with sep.
func JoinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}

// ReachText gives the steps at which each run first reached a threshold
// (Band.Reach), "not reached" for a run that never did, joined by " / ".
func ReachText(steps []float64) string {
	s := make([]string, len(steps))
	for i, v := range steps {
		s[i] = strconv.Itoa(int(v))
		if v < 0 {
			s[i] = "not reached"
		}
	}
	return strings.Join(s, " / ")
}

// ReportFile is every study's report, in its directory.
const ReportFile = "report.md"

// Series is the band as a line of a figure: its mean, shaded between its
// minimum and maximum when it folds several runs.
func (b Band) Series(name string) plots.Series {
	s := plots.Series{Name: name, X: b.X, Y: b.Mean}
	if len(b.Runs) > 1 {
		s.Low, s.High = b.Min, b.Max
	}
	return s
}

// WriteFile writes text to path atomically.
func WriteFile(path string, text []byte) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	})
}

// wallSeconds is the training wall time of the run in dir: the last wall_s
// of its metrics, or for a run of stages (package stage), whose stages
// each count their own from 0, the sum of every stage's last.
func wallSeconds(dir string) (float64, error) {
	if !stage.IsStaged(dir) {
		cols, err := Column(dir, "wall_s")
		if err != nil {
			return 0, err
		}
		return cols[0][len(cols[0])-1], nil
	}
	t, err := rundir.ReadCSV(filepath.Join(dir, stage.ViewFile))
	if err != nil {
		return 0, err
	}
	cols, err := t.Floats(nil, "stage", "wall_s")
	if err != nil {
		return 0, err
	}
	stages, wall := cols[0], cols[1]
	var total float64
	for i := range stages {
		if i+1 == len(stages) || stages[i+1] != stages[i] {
			total += wall[i]
		}
	}
	return total, nil
}

// G formats a number for a CSV file: at most 8 significant digits.
func G(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

// Provenance is the closing section of a report: the command that
// reproduces it, the machine it ran on and the training wall time of its
// runs (wallSeconds, resumes included).
func Provenance(command string, runDirs []string) string {
	var total float64
	for _, dir := range runDirs {
		if s, err := wallSeconds(dir); err == nil {
			total += s
		}
	}
	return fmt.Sprintf("## Reproducing this report\n\n```sh\n%s\n```\n\nMachine: %s, %d cores, %s/%s, %s. Training wall time of the %d runs: %.0f s in all (runs trained side by side overlap).\n",
		command, cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), len(runDirs), total)
}

// cpuModel names the processor, as Linux's /proc/cpuinfo does.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "an unnamed processor"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "an unnamed processor"
}

// CommandLine joins a command and its arguments as a POSIX shell reads
// them back: arguments with spaces or other special characters are
// single-quoted, so that the report's command runs as printed.
func CommandLine(command string, args []string) string {
	words := []string{command}
	for _, a := range args {
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return !strings.ContainsRune(shellSafe, r) }) {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// shellSafe are the characters an argument may hold unquoted.
const shellSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%"
