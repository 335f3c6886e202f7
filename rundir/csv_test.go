package rundir

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPrepareCSVResume checks the resume rule every per-step log shares:
// rows after the checkpoint's step and a partial last line are dropped, the
// rest kept byte for byte, and a foreign header is refused.
func TestPrepareCSVResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	cols := []string{"step", "a", "b"}
	if _, err := PrepareCSV(path, cols, 0); err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]string{{"10", "1", "2"}, {"20", "3", "4"}, {"30", "5", "6"}} {
		if err := AppendCSV(path, row); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("40,7"); err != nil { // an interrupted write
		t.Fatal(err)
	}
	f.Close()
	if dropped, err := PrepareCSV(path, cols, 20); err != nil || dropped != 1 {
		t.Fatalf("PrepareCSV dropped %d rows, %v; want the one after step 20", dropped, err)
	}
	got, _ := os.ReadFile(path)
	if want := "step,a,b\n10,1,2\n20,3,4\n"; string(got) != want {
		t.Fatalf("after resuming at step 20:\n%q\nwant\n%q", got, want)
	}
	_, err = PrepareCSV(path, []string{"step", "c"}, 20)
	if err == nil || !strings.Contains(err.Error(), `"step,a,b"`) {
		t.Fatalf("a different header gave %v, want an error naming the old header", err)
	}
}

// A malformed or blank line among the rows a resume keeps stops it with the
// line's number and changes nothing; one among the rows it drops, or at the
// end, goes with them.
func TestPrepareCSVRefusesDamagedRowsItKeeps(t *testing.T) {
	cols := []string{"step", "a", "b"}
	tests := []struct {
		name, text string
		keep       int
		want       string // the file after, or the error
		dropped    int
	}{
		{"garbage before the step", "step,a,b\n10,1,2\nxyz\n20,3,4\n30,5,6\n", 20, `line 3, "xyz", is not a row of 3 columns, and rows up to step 20 that the resume keeps follow it`, 0},
		{"blank line before the step", "step,a,b\n10,1,2\n\n20,3,4\n", 20, `line 3, "", is not a row`, 0},
		{"short row before the step", "step,a,b\n10,1\n20,3,4\n", 20, `line 2, "10,1", is not a row`, 0},
		{"garbage after the step", "step,a,b\n10,1,2\n20,3,4\nxyz\n30,5,6\n", 20, "step,a,b\n10,1,2\n20,3,4\n", 1},
		{"blank line at the end", "step,a,b\n10,1,2\n\n", 20, "step,a,b\n10,1,2\n", 0},
		{"no rows", "step,a,b\n", 0, "step,a,b\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log.csv")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			dropped, err := PrepareCSV(path, cols, tt.keep)
			got, _ := os.ReadFile(path)
			if strings.HasPrefix(tt.want, "step,") {
				if err != nil || string(got) != tt.want || dropped != tt.dropped {
					t.Errorf("got %q, %d dropped, %v; want %q, %d dropped", got, dropped, err, tt.want, tt.dropped)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if string(got) != tt.text {
				t.Errorf("the refused resume changed the file to %q", got)
			}
		})
	}
}

// TestReadCSVByName reads columns by name, filtered by row, and checks that
// a missing column lists the columns there are and that a field that is not
// a number names its line and column.
func TestReadCSVByName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "activations.csv")
	text := "step,node,unit,p50\n10,fc1,0,0.5\n10,act1,0,-2\n20,fc1,0,1.25\n20,act1,0,x\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	node, err := tab.Column("node")
	if err != nil || node != 1 || len(tab.Rows) != 4 {
		t.Fatalf("node column %d, %d rows, err %v; want column 1 and 4 rows", node, len(tab.Rows), err)
	}
	got, err := tab.Floats(func(row []string) bool { return row[node] == "fc1" }, "p50", "step")
	if err != nil || !slices.Equal(got[0], []float64{0.5, 1.25}) || !slices.Equal(got[1], []float64{10, 20}) {
		t.Errorf("fc1's p50 and step = %v, err %v; want [0.5 1.25] and [10 20]", got, err)
	}
	if _, err := tab.Floats(nil, "p85"); err == nil || !strings.Contains(err.Error(), `no column "p85" (columns: [step node unit p50])`) {
		t.Errorf("missing column: err = %v", err)
	}
	if _, err := tab.Floats(nil, "p50"); err == nil || !strings.Contains(err.Error(), "line 5: p50") {
		t.Errorf("a field that is not a number: err = %v, want one naming line 5 and p50", err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCSV(path); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty file: err = %v", err)
	}
}

// TestWriteCSV writes names and numbers as they are and quotes the fields
// that need it (RFC 4180: a comma, a quote doubled inside quotes, a leading
// space), and ReadCSV reads back what was written.
func TestWriteCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stages.csv")
	header := []string{"stage", "stage_name", "loss"}
	rows := [][]string{{"1", `warm, "up"`, "2.5"}, {"2", " main", ""}}
	if err := WriteCSV(path, header, rows); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "stage,stage_name,loss\n1,\"warm, \"\"up\"\"\",2.5\n2,\" main\",\n"; string(got) != want {
		t.Errorf("WriteCSV wrote %q, want %q", got, want)
	}
	tab, err := ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Header, header) || !slices.EqualFunc(tab.Rows, rows, slices.Equal[[]string]) {
		t.Errorf("ReadCSV read %q and %q back", tab.Header, tab.Rows)
	}
}
