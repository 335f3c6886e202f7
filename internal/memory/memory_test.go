package memory

import (
	"os"
	"path/filepath"
	"testing"
)

// fixture points Query at files written from the given contents ("" leaves
// a file out) and restores the real paths after the test.
func fixture(t *testing.T, meminfo, limit, usage, stat string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if text != "" {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	oldMeminfo, oldCgroups := meminfoFile, cgroupDirs
	t.Cleanup(func() { meminfoFile, cgroupDirs = oldMeminfo, oldCgroups })
	meminfoFile = write("meminfo", meminfo)
	cgroupDirs = []cgroupFiles{{write("memory.max", limit), write("memory.current", usage), write("memory.stat", stat), "inactive_file"}}
}

const meminfo = "MemTotal:       24683664 kB\nMemFree:        21602976 kB\nMemAvailable:   23160332 kB\n"

func TestQuery(t *testing.T) {
	tests := []struct {
		name                        string
		meminfo, limit, usage, stat string
		want                        Available
	}{
		{"meminfo alone", meminfo, "", "", "", Available{Bytes: 23160332 * 1024, Known: true}},
		{"unlimited cgroup", meminfo, "max\n", "1000\n", "", Available{Bytes: 23160332 * 1024, Known: true}},
		{"cgroup limit below MemAvailable", meminfo, "4000000000\n", "1500000000\n", "anon 1\ninactive_file 500000000\n",
			Available{Bytes: 4000000000 - 1000000000, Known: true}},
		{"cgroup over its limit", meminfo, "1000\n", "2000\n", "", Available{Bytes: 0, Known: true}},
		{"nothing readable", "", "", "", "", Available{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixture(t, tt.meminfo, tt.limit, tt.usage, tt.stat)
			got := Query()
			if got.Known != tt.want.Known || got.Bytes != tt.want.Bytes {
				t.Errorf("Query() = %+v, want %d bytes (known %v)", got, tt.want.Bytes, tt.want.Known)
			}
			if got.Known != (got.Source != "") {
				t.Errorf("Query() = %+v: a known figure names its source, an unknown one none", got)
			}
		})
	}
}

func TestFitsAndFormat(t *testing.T) {
	a := Available{Bytes: 3_100_000_000, Source: "MemAvailable in /proc/meminfo", Known: true}
	if !a.Fits(3_100_000_000) || a.Fits(3_100_000_001) {
		t.Error("Fits is not need ≤ available")
	}
	if !(Available{}).Fits(1 << 62) {
		t.Error("an unknown figure refuses nothing")
	}
	if got, want := a.String(), "3.1 GB (MemAvailable in /proc/meminfo)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for n, want := range map[int64]string{512: "512 B", 12_345: "12.3 kB", 45_000_000: "45.0 MB", 2_500_000_000_000: "2.5 TB"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}
