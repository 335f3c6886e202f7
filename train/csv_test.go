package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrepareCSVResume checks the resume rule every per-step log shares:
// rows after the checkpoint's step and a partial last line are dropped, the
// rest kept byte for byte, and a foreign header is refused.
func TestPrepareCSVResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	cols := []string{"step", "a", "b"}
	if err := PrepareCSV(path, cols, 0); err != nil {
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
	if err := PrepareCSV(path, cols, 20); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "step,a,b\n10,1,2\n20,3,4\n"; string(got) != want {
		t.Fatalf("after resuming at step 20:\n%q\nwant\n%q", got, want)
	}
	err = PrepareCSV(path, []string{"step", "c"}, 20)
	if err == nil || !strings.Contains(err.Error(), `"step,a,b"`) {
		t.Fatalf("a different header gave %v, want an error naming the old header", err)
	}
}
